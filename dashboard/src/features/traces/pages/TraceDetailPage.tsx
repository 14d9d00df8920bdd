import { useCallback, useMemo } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import { RefreshButton } from '../../../components/RefreshButton';
import { tracesHref } from '../../../lib/routes';
import { LiveStatusIndicator, useLiveTraceRefresh } from '../../live';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { TraceHeader } from '../components/TraceHeader';
import { TraceView, type TraceViewMode } from '../components/TraceView';
import { useSpan, useTrace } from '../hooks/useTraces';
import { traceStats } from '../traceStats';

/** `/p/{projectId}/traces/{traceId}?span=…`: the waterfall of one trace and the selected span's details. */
export function TraceDetailPage() {
  const { project } = useCurrentProject();
  const { traceId = '' } = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const selectedSpanId = searchParams.get('span');
  const mode: TraceViewMode = searchParams.get('view') === 'graph' ? 'graph' : 'timeline';
  const { data, error, isPending, isFetching, refetch } = useTrace(project.id, traceId);
  const live = useLiveTraceRefresh(project.id, traceId); // the view grows as the trace's spans are written
  const backHref = tracesHref(project.id);
  // Spans of very large traces come without their payloads: the selected one is fetched in full.
  const effectiveSpanId = selectedSpanId ?? data?.spans[0]?.span_id ?? null;
  const lazy = !!data && !!effectiveSpanId && data.ioOmitted.has(effectiveSpanId);
  const { data: spanDetail, isFetching: spanLoading } = useSpan(project.id, effectiveSpanId, lazy);
  const stats = useMemo(() => (data ? traceStats(data.spans ?? []) : undefined), [data]);

  const selectSpan = useCallback(
    (spanId: string) => {
      setSearchParams(
        (prev) => {
          const params = new URLSearchParams(prev);
          params.set('span', spanId);
          return params;
        },
        { replace: true },
      );
    },
    [setSearchParams],
  );

  const setMode = useCallback(
    (next: TraceViewMode) => {
      setSearchParams(
        (prev) => {
          const params = new URLSearchParams(prev);
          if (next === 'timeline') params.delete('view');
          else params.set('view', next);
          return params;
        },
        { replace: true },
      );
    },
    [setSearchParams],
  );

  if (isPending || !data) {
    const notFound = error?.isNotFound;
    return (
      <div className="page" data-testid="trace-detail-page">
        <Link to={backHref} className="back-link" data-testid="back-to-traces">
          ← Traces
        </Link>
        {isPending ? (
          <LoadingState label="Loading trace…" />
        ) : (
          <ErrorState
            title={notFound ? 'Trace not found' : 'Could not load trace'}
            message={
              notFound
                ? `No trace ${traceId} in project ${project.name}. It may belong to another project, or not be stored yet.`
                : (error?.message ?? 'Unknown error')
            }
            onRetry={notFound ? undefined : () => refetch()}
          >
            {notFound ? (
              <Link to={backHref} className="btn">
                Back to traces
              </Link>
            ) : null}
          </ErrorState>
        )}
      </div>
    );
  }

  return (
    <div className="page page-detail" data-testid="trace-detail-page">
      <TraceHeader
        trace={data}
        backHref={backHref}
        stats={stats}
        actions={
          <span className="live-actions">
            <LiveStatusIndicator feed={live} />
            <RefreshButton onClick={() => refetch()} busy={isFetching} />
          </span>
        }
      />
      {error ? <InlineError message={`Refresh failed: ${error.message}`} /> : null}
      <TraceView
        trace={data}
        selectedSpanId={selectedSpanId}
        onSelectSpan={selectSpan}
        mode={mode}
        onModeChange={setMode}
        selectedDetail={lazy ? (spanDetail ?? null) : null}
        selectedLoading={lazy && spanLoading}
      />
    </div>
  );
}
