import type { KeyboardEvent, MouseEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { formatDateTime, formatDuration, formatNumber, formatRelative, shortId } from '../../../lib/format';
import { traceHref } from '../../../lib/routes';
import type { TraceSummary } from '../../../api/types';
import { StatusBadge } from '../../../components/StatusBadge';

interface TraceTableProps {
  projectId: string;
  traces: TraceSummary[];
}

export function TraceTable({ projectId, traces }: TraceTableProps) {
  const navigate = useNavigate();

  const onRowClick = (e: MouseEvent<HTMLTableRowElement>, traceId: string) => {
    // Links inside the row handle their own navigation (incl. ctrl/middle-click).
    if ((e.target as Element).closest('a, button')) return;
    if (window.getSelection()?.toString()) return; // user is selecting text
    if (e.metaKey || e.ctrlKey) {
      window.open(traceHref(projectId, traceId), '_blank', 'noopener');
      return;
    }
    navigate(traceHref(projectId, traceId));
  };

  const onRowKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, traceId: string) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      navigate(traceHref(projectId, traceId));
    }
  };

  return (
    <div className="table-wrap">
      <table className="table trace-table" data-testid="traces-table">
        <thead>
          <tr>
            <th className="col-status">Status</th>
            <th>Name</th>
            <th>Trace ID</th>
            <th>Service</th>
            <th>Start time</th>
            <th className="num">Duration</th>
            <th className="num">Spans</th>
            <th className="num">Errors</th>
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => (
            <tr
              key={t.trace_id}
              className={`clickable${t.status === 'ERROR' ? ' row-error' : ''}`}
              data-testid="trace-row"
              data-trace-id={t.trace_id}
              tabIndex={0}
              onClick={(e) => onRowClick(e, t.trace_id)}
              onKeyDown={(e) => onRowKeyDown(e, t.trace_id)}
            >
              <td className="col-status">
                <StatusBadge status={t.status} />
              </td>
              <td className="cell-name">
                <Link to={traceHref(projectId, t.trace_id)} className="row-link" title={t.name}>
                  {t.name || <span className="muted">(unnamed)</span>}
                </Link>
              </td>
              <td className="mono muted" title={t.trace_id}>
                {shortId(t.trace_id)}
              </td>
              <td>{t.service_name || <span className="muted">—</span>}</td>
              <td title={`${t.start_time} (${formatRelative(t.start_time)})`}>{formatDateTime(t.start_time)}</td>
              <td className="num mono">{formatDuration(t.duration_ms)}</td>
              <td className="num">{formatNumber(t.span_count)}</td>
              <td className={`num${t.error_count > 0 ? ' text-error' : ' muted'}`}>{formatNumber(t.error_count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
