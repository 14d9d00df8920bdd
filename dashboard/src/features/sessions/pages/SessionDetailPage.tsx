import { Link, useParams } from 'react-router-dom';
import { CopyButton } from '../../../components/CopyButton';
import { ErrorState } from '../../../components/ErrorState';
import { LoadingState } from '../../../components/LoadingState';
import { RefreshButton } from '../../../components/RefreshButton';
import { formatDateTime, formatDuration, formatNumber, formatRelative } from '../../../lib/format';
import { sessionsHref, tracesHref } from '../../../lib/routes';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { TurnCard } from '../components/TurnCard';
import { useSession } from '../hooks/useSessions';
import '../sessions.css';

/** `/p/{projectId}/sessions/{sessionId}`: a session's traces in order, read as a conversation. */
export function SessionDetailPage() {
  const { project } = useCurrentProject();
  const { sessionId = '' } = useParams();
  const { data, error, isPending, isFetching, refetch } = useSession(project.id, sessionId);
  const back = (
    <Link to={sessionsHref(project.id)} className="back-link" data-testid="back-to-sessions">
      ← Sessions
    </Link>
  );
  if (isPending) return <div className="page">{back}<LoadingState label="Loading session…" /></div>;
  if (error || !data)
    return (
      <div className="page" data-testid="session-page">
        {back}
        <ErrorState
          title={error?.isNotFound ? 'Session not found' : 'Could not load session'}
          message={error?.isNotFound ? `No session ${sessionId} in project ${project.name}.` : (error?.message ?? '')}
          onRetry={error?.isNotFound ? undefined : () => refetch()}
        />
      </div>
    );
  return (
    <div className="page session-page" data-testid="session-page">
      <div className="trace-header-top">
        {back}
        <RefreshButton onClick={() => refetch()} busy={isFetching} />
      </div>
      <h1 className="trace-title session-title">
        Session <span className="mono">{data.session_id}</span> <CopyButton value={data.session_id} label="Copy session id" />
      </h1>
      <dl className="trace-stats" data-testid="session-stats">
        <div className="stat">
          <dt>Users</dt>
          <dd>{data.user_ids.join(', ') || '—'}</dd>
        </div>
        <div className="stat">
          <dt>Turns</dt>
          <dd>{formatNumber(data.trace_count)}</dd>
        </div>
        <div className="stat">
          <dt>Started</dt>
          <dd>{formatDateTime(data.start_time)}</dd>
        </div>
        <div className="stat">
          <dt>Last activity</dt>
          <dd>{formatRelative(data.last_activity)}</dd>
        </div>
        <div className="stat">
          <dt>Duration</dt>
          <dd className="mono">{formatDuration(data.duration_ms)}</dd>
        </div>
        <div className="stat">
          <dt>Tokens</dt>
          <dd>{formatNumber(data.total_tokens)}</dd>
        </div>
        <div className="stat">
          <dt>Cost</dt>
          <dd className="mono">{data.cost_usd ? `$${data.cost_usd.toFixed(4)}` : '—'}</dd>
        </div>
        <div className="stat">
          <dt>Errors</dt>
          <dd className={data.error_count ? 'text-error' : undefined}>{formatNumber(data.error_count)}</dd>
        </div>
      </dl>
      <div className="session-links">
        <Link to={`${tracesHref(project.id)}?session_id=${encodeURIComponent(data.session_id)}&range=30d`}>
          Its traces in the trace list →
        </Link>
      </div>
      <div className="turns" data-testid="session-turns">
        {data.traces.map((t, i) => (
          <TurnCard key={t.trace_id} projectId={project.id} turn={t} index={i} />
        ))}
      </div>
    </div>
  );
}
