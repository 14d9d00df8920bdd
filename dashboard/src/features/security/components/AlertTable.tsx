import { SeverityBadge } from '../../../components/charts/SeverityBadge';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { RULE_LABELS, STATUS_LABELS } from '../alertFilters';
import type { Alert } from '../api';

interface AlertTableProps {
  alerts: readonly Alert[];
  selectedId: string | null;
  onSelect: (alertId: string) => void;
}

/** The alert list: one row per alert; a click (or Enter) opens the detail drawer. */
export function AlertTable({ alerts, selectedId, onSelect }: AlertTableProps) {
  return (
    <div className="table-wrap">
      <table className="table alert-table" data-testid="alert-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Severity</th>
            <th>Rule</th>
            <th className="col-optional">Entities</th>
            <th>Excerpt</th>
            <th className="col-optional">Span</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((alert) => (
            <tr
              key={alert.id}
              className={`row-link${alert.id === selectedId ? ' selected' : ''}`}
              tabIndex={0}
              onClick={() => onSelect(alert.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') onSelect(alert.id);
              }}
              data-testid="alert-row"
              data-rule={alert.rule}
              data-status={alert.status}
            >
              <td title={formatDateTime(alert.created_at)}>{formatRelative(alert.created_at)}</td>
              <td>
                <SeverityBadge severity={alert.severity} />
              </td>
              <td>{RULE_LABELS[alert.rule] ?? alert.rule}</td>
              <td className="mono small col-optional">{alert.entity_types.join(', ') || '—'}</td>
              <td className="alert-excerpt mono small" title={alert.excerpt}>
                {alert.excerpt}
              </td>
              <td className="small col-optional">
                <div>{alert.span_name || '—'}</div>
                <div className="muted">{alert.service_name}</div>
              </td>
              <td>
                <span className={`alert-status status-${alert.status}`}>{STATUS_LABELS[alert.status] ?? alert.status}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
