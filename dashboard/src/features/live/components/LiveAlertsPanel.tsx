import { Link } from 'react-router-dom';
import { traceHref } from '../../../lib/routes';
import type { LiveAlert } from '../types';

/** Alerts as they are raised (redacted excerpts only), newest first. */
export function LiveAlertsPanel({ projectId, alerts }: { projectId: string; alerts: LiveAlert[] }) {
  return (
    <aside className="live-alerts card" data-testid="live-alerts">
      <h2 className="card-title">Alerts {alerts.length ? <span className="live-count">{alerts.length}</span> : null}</h2>
      {alerts.length === 0 ? (
        <p className="muted" data-testid="live-alerts-empty">
          No alerts since you opened this page.
        </p>
      ) : (
        <ul className="live-alert-list">
          {alerts.map((alert) => (
            <li key={alert.alert_id} className={`live-alert severity-${alert.severity.toLowerCase()}`} data-testid="live-alert">
              <div className="live-alert-head">
                <span className="live-severity">{alert.severity}</span>
                <span className="live-rule">{alert.rule.replace(/_/g, ' ')}</span>
                {alert.entity_types.length ? <span className="muted">{alert.entity_types.join(', ')}</span> : null}
              </div>
              <div className="live-excerpt mono">{alert.excerpt}</div>
              <Link to={traceHref(projectId, alert.trace_id, alert.span_id)}>Open trace</Link>
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
