import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import { Pagination } from '../../../components/Pagination';
import { RefreshButton } from '../../../components/RefreshButton';
import { formatNumber } from '../../../lib/format';
import { settingsHref } from '../../../lib/routes';
import { NewTracesPill, useLiveTraces, type LiveTrace } from '../../live';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { atLeast } from '../../projects/roles';
import { loadColumns, saveColumns } from '../columns';
import { ColumnChooser } from '../components/ColumnChooser';
import { FacetSidebar } from '../components/FacetSidebar';
import { SavedViews } from '../components/SavedViews';
import { TraceTable } from '../components/TraceTable';
import { PAGE_SIZE, REFRESH_INTERVAL_MS, useTraceFacets, useTraceList } from '../hooks/useTraces';
import {
  activeFilterCount,
  filtersToSearch,
  parseFilters,
  SORTS,
  TIME_RANGES,
  toggleFacet,
  type FacetKey,
  type ListFilters,
  type SortKey,
  type TimeRange,
} from '../listFilters';
import '../traces.css';

/**
 * While the live socket is connected the list does not poll, but it reloads by itself (1) when the socket goes
 * live (what was written before it connected), and (2) when traces arrive live while the reader is at the top
 * of the first page (nothing to jump away from), at most every REFRESH_INTERVAL_MS. Scrolled down or on a later
 * page, new traces only show in the "n new traces" pill.
 */
function useLiveListRefresh(status: string, traces: LiveTrace[], listUpdatedAt: number, firstPage: boolean, refetch: () => unknown) {
  const refetchRef = useRef(refetch);
  useEffect(() => {
    refetchRef.current = refetch;
  });
  useEffect(() => {
    if (status === 'live') void refetchRef.current();
  }, [status]);
  const fresh = traces.some((t) => t.first_seen > listUpdatedAt);
  useEffect(() => {
    if (status !== 'live' || !fresh || !firstPage || window.scrollY > 0) return undefined;
    const wait = Math.max(0, listUpdatedAt + REFRESH_INTERVAL_MS - Date.now());
    const timer = window.setTimeout(() => {
      if (window.scrollY === 0) void refetchRef.current();
    }, wait);
    return () => window.clearTimeout(timer);
  }, [status, fresh, firstPage, listUpdatedAt]);
}

/** `/p/{projectId}/traces?…`: the project's traces with facet filters, search, time range and sort in the URL. */
export function TraceListPage() {
  const { project, role } = useCurrentProject();
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => parseFilters(searchParams), [searchParams]);
  // With the live socket connected there is no polling: new traces arrive over the socket; offline (or
  // reconnecting) → poll. See useLiveListRefresh for when the list reloads by itself while live.
  const live = useLiveTraces(project.id);
  const poll = live.feed.status !== 'live';
  const { data, error, isPending, isFetching, refetch, dataUpdatedAt } = useTraceList(project.id, filters, poll);
  const facets = useTraceFacets(project.id, filters, poll);
  useLiveListRefresh(live.feed.status, live.traces, dataUpdatedAt, filters.page === 1, refetch);
  const [columns, setColumns] = useState(loadColumns);
  const [search, setSearch] = useState(filters.q);

  const update = useCallback(
    (next: ListFilters) => setSearchParams(filtersToSearch(next)),
    [setSearchParams],
  );

  // The search box follows the URL (back/forward, saved views) and sends its text after a pause.
  const [urlQ, setUrlQ] = useState(filters.q);
  if (urlQ !== filters.q) {
    setUrlQ(filters.q);
    if (search.trim() !== filters.q) setSearch(filters.q);
  }
  useEffect(() => {
    if (search.trim() === filters.q.trim()) return;
    const t = window.setTimeout(() => update({ ...filters, q: search, page: 1 }), 350);
    return () => window.clearTimeout(t);
  }, [search, filters, update]);

  const onColumns = (next: string[]) => {
    setColumns(next);
    saveColumns(next);
  };
  const active = activeFilterCount(filters);
  const narrowed = active > 0 || !!filters.q;

  let body;
  if (isPending) {
    body = <LoadingState label="Loading traces…" />;
  } else if (error && !data) {
    body = <ErrorState title="Could not load traces" message={error.message} onRetry={() => refetch()} />;
  } else if (data && data.total === 0 && data.items.length === 0) {
    body = narrowed ? (
      <EmptyState title="No matching traces" testId="traces-empty">
        No trace in the {TIME_RANGES.find((r) => r.value === filters.range)?.label.toLowerCase()} matches these filters.{' '}
        <button type="button" className="link-button" onClick={() => update(parseFilters(new URLSearchParams()))}>
          Clear all filters
        </button>
      </EmptyState>
    ) : (
      <EmptyState title="No traces" testId="traces-empty">
        No traces in <strong>{project.name}</strong> in the {TIME_RANGES.find((r) => r.value === filters.range)?.label.toLowerCase()}{' '}
        — instrument your agent with <code>@observe</code> and give it an ingest key of this project
        {atLeast(role, 'admin') ? (
          <>
            {' '}
            (<Link to={settingsHref(project.id, 'keys')}>create one</Link>)
          </>
        ) : null}
        , run <code>make demo</code>, or pick a longer time range.
      </EmptyState>
    );
  } else if (data && data.items.length === 0) {
    body = (
      <EmptyState title="Nothing on this page">
        Page {filters.page} is past the last page.{' '}
        <button type="button" className="link-button" onClick={() => update({ ...filters, page: 1 })}>
          Go to the first page
        </button>
      </EmptyState>
    );
  } else if (data) {
    body = (
      <>
        <TraceTable projectId={project.id} traces={data.items} columns={columns} />
        <Pagination
          page={data.page ?? filters.page}
          pageSize={data.page_size || PAGE_SIZE}
          total={data.total}
          onPageChange={(page) => update({ ...filters, page })}
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
            {data ? `${formatNumber(data.total)} ${narrowed ? 'matching' : 'total'}` : '\u00a0'} ·{' '}
            {poll ? `auto-refreshes every ${REFRESH_INTERVAL_MS / 1000}s` : 'live: new traces appear above the list'}
          </p>
        </div>
        <RefreshButton onClick={() => refetch()} busy={isFetching} />
      </div>
      <div className="trace-list-toolbar">
        <input
          type="search"
          className="input trace-search"
          placeholder="Search names, inputs and outputs (all words)…"
          aria-label="Search traces"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="trace-search"
        />
        <select
          className="input select-small"
          aria-label="Time range"
          value={filters.range}
          onChange={(e) => update({ ...filters, range: e.target.value as TimeRange, page: 1 })}
          data-testid="time-range"
        >
          {TIME_RANGES.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
        <select
          className="input select-small"
          aria-label="Sort by"
          value={`${filters.sort}:${filters.order}`}
          onChange={(e) => {
            const [sort, order] = e.target.value.split(':') as [SortKey, 'asc' | 'desc'];
            update({ ...filters, sort, order, page: 1 });
          }}
          data-testid="trace-sort"
        >
          {SORTS.flatMap((s) => [
            <option key={`${s.value}:desc`} value={`${s.value}:desc`}>
              {s.label} ↓
            </option>,
            <option key={`${s.value}:asc`} value={`${s.value}:asc`}>
              {s.label} ↑
            </option>,
          ])}
        </select>
        <SavedViews
          projectId={project.id}
          search={filtersToSearch({ ...filters, page: 1 }).toString()}
          canEdit={atLeast(role, 'member')}
        />
        <ColumnChooser columns={columns} onChange={onColumns} />
      </div>
      {error && data ? <InlineError message={`Refresh failed: ${error.message}`} /> : null}
      <NewTracesPill traces={live.traces} onRefresh={() => void refetch()} listUpdatedAt={dataUpdatedAt} />
      <div className="trace-list-layout">
        <FacetSidebar
          facets={facets.data}
          loading={facets.isPending}
          filters={filters}
          activeCount={active}
          onToggle={(key: FacetKey, value: string) => update(toggleFacet(filters, key, value))}
          onToggleAlerts={() => update({ ...filters, hasAlert: !filters.hasAlert, page: 1 })}
          onClear={() => update({ ...parseFilters(new URLSearchParams()), q: filters.q, range: filters.range })}
        />
        <div className="trace-list-main">{body}</div>
      </div>
    </div>
  );
}
