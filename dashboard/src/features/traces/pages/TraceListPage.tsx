import { useCallback } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import { Pagination } from '../../../components/Pagination';
import { RefreshButton } from '../../../components/RefreshButton';
import { formatNumber } from '../../../lib/format';
import { settingsHref, tracesHref } from '../../../lib/routes';
import { NewTracesPill } from '../../live';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { atLeast } from '../../projects/roles';
import { TraceTable } from '../components/TraceTable';
import { PAGE_SIZE, REFRESH_INTERVAL_MS, useTraceList } from '../hooks/useTraces';

function parsePage(raw: string | null): number {
  const n = Number.parseInt(raw ?? '', 10);
  return Number.isFinite(n) && n >= 1 ? n : 1;
}

/** `/p/{projectId}/traces`: the project's traces, newest first, paged. */
export function TraceListPage() {
  const { project, role } = useCurrentProject();
  const [searchParams, setSearchParams] = useSearchParams();
  const page = parsePage(searchParams.get('page'));
  const { data, error, isPending, isFetching, refetch, dataUpdatedAt } = useTraceList(project.id, page);

  const setPage = useCallback(
    (next: number) => {
      setSearchParams((prev) => {
        const params = new URLSearchParams(prev);
        if (next <= 1) params.delete('page');
        else params.set('page', String(next));
        return params;
      });
    },
    [setSearchParams],
  );

  let body;
  if (isPending) {
    body = <LoadingState label="Loading traces…" />;
  } else if (error && !data) {
    body = <ErrorState title="Could not load traces" message={error.message} onRetry={() => refetch()} />;
  } else if (data && data.total === 0 && data.items.length === 0) {
    body = (
      <EmptyState title="No traces" testId="traces-empty">
        No traces in <strong>{project.name}</strong> yet — instrument your agent with <code>@observe</code> and give it
        an ingest key of this project
        {atLeast(role, 'admin') ? (
          <>
            {' '}
            (<Link to={settingsHref(project.id, 'keys')}>create one</Link>)
          </>
        ) : null}
        , or run <code>make demo</code>.
      </EmptyState>
    );
  } else if (data && data.items.length === 0) {
    body = (
      <EmptyState title="Nothing on this page">
        Page {page} is past the last page. <Link to={tracesHref(project.id)}>Go to the first page</Link>
      </EmptyState>
    );
  } else if (data) {
    body = (
      <>
        <TraceTable projectId={project.id} traces={data.items} />
        <Pagination
          page={data.page || page}
          pageSize={data.page_size || PAGE_SIZE}
          total={data.total}
          onPageChange={setPage}
        />
      </>
    );
  }

  return (
    <div className="page" data-testid="trace-list-page">
      <div className="page-header">
        <div>
          <h1 className="page-title">Traces</h1>
          <p className="page-subtitle muted">
            {data ? `${formatNumber(data.total)} total` : '\u00a0'} · auto-refreshes every{' '}
            {REFRESH_INTERVAL_MS / 1000}s
          </p>
        </div>
        <RefreshButton onClick={() => refetch()} busy={isFetching} />
      </div>
      {error && data ? <InlineError message={`Refresh failed: ${error.message}`} /> : null}
      <NewTracesPill projectId={project.id} onRefresh={() => void refetch()} listUpdatedAt={dataUpdatedAt} />
      {body}
    </div>
  );
}
