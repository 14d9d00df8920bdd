import { useCallback } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { ErrorState } from '../../components/ErrorState';
import { InlineError } from '../../components/InlineError';
import { LoadingState } from '../../components/LoadingState';
import { RefreshButton } from '../../components/RefreshButton';
import { TraceHeader } from '../../components/TraceHeader';
import { TraceView } from '../../components/TraceView';
import { getTrace } from '../../lib/api';
import { useApiResource } from '../../lib/useApiResource';

export function TraceDetailPage() {
  const { traceId = '' } = useParams();
  const [searchParams, setSearchParams] = useSearchParams();
  const selectedSpanId = searchParams.get('span');

  const { data, error, loading, refreshing, reload } = useApiResource(
    (signal) => getTrace(traceId, signal),
    [traceId],
  );

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

  if (loading) {
    return (
      <div className="page" data-testid="trace-detail-page">
        <Link to="/traces" className="back-link" data-testid="back-to-traces">
          ← Traces
        </Link>
        <LoadingState label="Loading trace…" />
      </div>
    );
  }

  if (!data) {
    const notFound = error?.isNotFound;
    return (
      <div className="page" data-testid="trace-detail-page">
        <Link to="/traces" className="back-link" data-testid="back-to-traces">
          ← Traces
        </Link>
        <ErrorState
          title={notFound ? 'Trace not found' : 'Could not load trace'}
          message={error?.message ?? 'Unknown error'}
          onRetry={notFound ? undefined : reload}
        >
          {notFound ? (
            <Link to="/traces" className="btn">
              Back to traces
            </Link>
          ) : null}
        </ErrorState>
      </div>
    );
  }

  return (
    <div className="page page-detail" data-testid="trace-detail-page">
      <TraceHeader trace={data} actions={<RefreshButton onClick={reload} busy={refreshing} />} />
      {error ? <InlineError message={`Refresh failed: ${error.message}`} /> : null}
      <TraceView trace={data} selectedSpanId={selectedSpanId} onSelectSpan={selectSpan} />
    </div>
  );
}
