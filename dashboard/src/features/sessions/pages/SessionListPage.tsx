import { Link, useSearchParams } from 'react-router-dom';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { LoadingState } from '../../../components/LoadingState';
import { Pagination } from '../../../components/Pagination';
import { RefreshButton } from '../../../components/RefreshButton';
import { formatDateTime, formatDuration, formatNumber, formatRelative } from '../../../lib/format';
import { sessionHref } from '../../../lib/routes';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { DEFAULT_RANGE, TIME_RANGES, type TimeRange } from '../../traces/listFilters';
import { SESSION_PAGE_SIZE, useSessionList } from '../hooks/useSessions';
import '../sessions.css';

/** `/p/{projectId}/sessions`: conversations (traces sharing a `session.id`), most recent first. */
export function SessionListPage() {
  const { project } = useCurrentProject();
  const [params, setParams] = useSearchParams();
  const range = (TIME_RANGES.some((r) => r.value === params.get('range')) ? params.get('range') : DEFAULT_RANGE) as TimeRange;
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const { data, error, isPending, isFetching, refetch } = useSessionList(project.id, range, page);

  const set = (next: { range?: TimeRange; page?: number }) => {
    const p = new URLSearchParams();
    const r = next.range ?? range;
    if (r !== DEFAULT_RANGE) p.set('range', r);
    if ((next.page ?? 1) > 1) p.set('page', String(next.page));
    setParams(p);
  };

  let body;
  if (isPending) body = <LoadingState label="Loading sessions…" />;
  else if (error && !data) body = <ErrorState title="Could not load sessions" message={error.message} onRetry={() => refetch()} />;
  else if (data && data.items.length === 0)
    body = (
      <EmptyState title="No sessions" testId="sessions-empty">
        No trace in this time range carries a session id. Pass <code>session_id=…</code> to <code>@observe</code>, or set
        the <code>session.id</code> attribute (OpenTelemetry / OpenInference) on your spans.
      </EmptyState>
    );
  else if (data)
    body = (
      <>
        <div className="table-wrap">
          <table className="table" data-testid="sessions-table">
            <thead>
              <tr>
                <th>Session</th>
                <th>Users</th>
                <th className="num">Turns</th>
                <th>Started</th>
                <th>Last activity</th>
                <th className="num">Duration</th>
                <th className="num">Tokens</th>
                <th className="num">Cost</th>
                <th className="num">Errors</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((s) => (
                <tr key={s.session_id} data-testid="session-row" data-session-id={s.session_id}>
                  <td className="cell-name">
                    <Link to={sessionHref(project.id, s.session_id)} className="row-link mono">
                      {s.session_id}
                    </Link>
                  </td>
                  <td>{s.user_ids.length ? s.user_ids.join(', ') : <span className="muted">—</span>}</td>
                  <td className="num">{formatNumber(s.trace_count)}</td>
                  <td>{formatDateTime(s.start_time)}</td>
                  <td title={s.last_activity}>{formatRelative(s.last_activity)}</td>
                  <td className="num mono">{formatDuration(s.duration_ms)}</td>
                  <td className="num">{formatNumber(s.total_tokens)}</td>
                  <td className="num mono">{s.cost_usd ? `$${s.cost_usd.toFixed(4)}` : '—'}</td>
                  <td className={`num${s.error_count ? ' text-error' : ' muted'}`}>{formatNumber(s.error_count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pagination page={data.page} pageSize={data.page_size || SESSION_PAGE_SIZE} total={data.total} onPageChange={(p) => set({ page: p })} noun="sessions" />
      </>
    );

  return (
    <div className="page" data-testid="session-list-page">
      <div className="page-header">
        <div>
          <h1 className="page-title">Sessions</h1>
          <p className="page-subtitle muted">{data ? `${formatNumber(data.total)} sessions` : '\u00a0'}</p>
        </div>
        <div className="session-actions">
          <select
            className="input select-small"
            aria-label="Time range"
            value={range}
            onChange={(e) => set({ range: e.target.value as TimeRange })}
            data-testid="session-time-range"
          >
            {TIME_RANGES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
          <RefreshButton onClick={() => refetch()} busy={isFetching} />
        </div>
      </div>
      {body}
    </div>
  );
}
