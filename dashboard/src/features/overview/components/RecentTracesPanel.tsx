import { Link } from 'react-router-dom';
import { StatusBadge } from '../../../components/StatusBadge';
import { formatDateTime, formatDuration, formatRelative } from '../../../lib/format';
import { traceHref, tracesHref } from '../../../lib/routes';
import type { Overview } from '../api';

/** The newest traces of the project (links into the trace view). */
export function RecentTracesPanel({ projectId, traces }: { projectId: string; traces: Overview['recent_traces'] }) {
  return (
    <section className="insight-panel" data-testid="overview-recent">
      <h2>
        Recent traces <Link to={tracesHref(projectId)} className="small panel-link">all traces →</Link>
      </h2>
      {traces.length === 0 ? (
        <p className="muted small">No traces yet.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Name</th>
              <th>Service</th>
              <th className="num">Spans</th>
              <th className="num">Duration</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {traces.map((trace) => (
              <tr key={trace.trace_id} data-testid="overview-recent-row">
                <td>
                  <StatusBadge status={trace.status} />
                </td>
                <td className="cell-ellipsis">
                  <Link to={traceHref(projectId, trace.trace_id)}>{trace.name || trace.trace_id.slice(0, 12)}</Link>
                </td>
                <td className="muted cell-ellipsis">{trace.service_name}</td>
                <td className="num">{trace.span_count}</td>
                <td className="num">{formatDuration(trace.duration_ms)}</td>
                <td className="muted" title={formatDateTime(trace.start_time)}>{formatRelative(trace.start_time)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
