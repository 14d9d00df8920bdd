import { Link } from 'react-router-dom';
import { downloadText, toCsv } from '../../../components/charts/csv';
import { formatCompact, formatUsd } from '../../../components/charts/format';
import { formatDateTime, formatDuration, formatRelative } from '../../../lib/format';
import { traceHref } from '../../../lib/routes';
import type { TopBy, TopTraces } from '../api';

interface TopTracesTableProps {
  projectId: string;
  data: TopTraces | undefined;
  by: TopBy;
  onBy: (by: TopBy) => void;
  csvPrefix: string;
}

const COLUMNS = ['trace_id', 'name', 'service_name', 'start_time', 'duration_ms', 'span_count', 'error_count', 'tokens', 'cost_usd'];

/** The most expensive, slowest or most token-hungry traces of the window. */
export function TopTracesTable({ projectId, data, by, onBy, csvPrefix }: TopTracesTableProps) {
  const items = data?.items ?? [];
  return (
    <section className="insight-panel chart-wide" data-testid="top-traces">
      <div className="chart-header">
        <h2 className="card-title">Top traces</h2>
        <div className="chart-actions">
          <div className="range-picker" role="group" aria-label="Rank by">
            {(['cost', 'duration', 'tokens'] as TopBy[]).map((option) => (
              <button key={option} type="button" className={`range-button${by === option ? ' active' : ''}`} aria-pressed={by === option}
                onClick={() => onBy(option)} data-testid={`top-by-${option}`}>
                by {option}
              </button>
            ))}
          </div>
          <button type="button" className="btn btn-ghost btn-small" disabled={items.length === 0}
            onClick={() => downloadText(`${csvPrefix}-top-traces-by-${by}.csv`, toCsv(COLUMNS, items))}>
            CSV
          </button>
        </div>
      </div>
      {items.length === 0 ? (
        <p className="muted small">No traces in this time range.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Trace</th>
              <th>Service</th>
              <th>Started</th>
              <th className="num">Spans</th>
              <th className="num">Errors</th>
              <th className="num">Duration</th>
              <th className="num">Tokens</th>
              <th className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.trace_id} data-testid="top-trace-row">
                <td className="cell-ellipsis">
                  <Link to={traceHref(projectId, t.trace_id)}>{t.name || t.trace_id.slice(0, 12)}</Link>
                </td>
                <td className="muted">{t.service_name}</td>
                <td className="muted" title={formatDateTime(t.start_time)}>{formatRelative(t.start_time)}</td>
                <td className="num">{t.span_count}</td>
                <td className={`num${t.error_count ? ' text-error' : ''}`}>{t.error_count}</td>
                <td className={`num${by === 'duration' ? ' strong' : ''}`}>{formatDuration(t.duration_ms)}</td>
                <td className={`num${by === 'tokens' ? ' strong' : ''}`}>{formatCompact(t.tokens)}</td>
                <td className={`num${by === 'cost' ? ' strong' : ''}`}>{formatUsd(t.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
