import type { CSSProperties } from 'react';
import { Link } from 'react-router-dom';
import { severityColor } from '../../../components/charts/palette';
import { formatNumber } from '../../../lib/format';
import { securityHref } from '../../../lib/routes';
import { SEVERITIES } from '../../security/alertFilters';
import type { Overview } from '../api';

/** Open alerts per severity in the window; each links to the Security page filtered to it. */
export function OpenAlertsPanel({ projectId, alerts }: { projectId: string; alerts: Overview['alerts_by_severity'] }) {
  const open = SEVERITIES.reduce((sum, s) => sum + (alerts[s]?.open ?? 0), 0);
  return (
    <section className="insight-panel" data-testid="overview-alerts">
      <h2>
        Open alerts <span className="muted">· {formatNumber(open)}</span>
      </h2>
      <div className="chips">
        {SEVERITIES.map((severity) => (
          <Link
            key={severity}
            to={securityHref(projectId, `?severity=${severity}&status=open`)}
            className="chip"
            style={{ '--chip-color': severityColor(severity) } as CSSProperties}
            data-testid={`overview-alerts-${severity.toLowerCase()}`}
          >
            <span className="chip-dot" aria-hidden="true" />
            <span>{severity.toLowerCase()}</span>
            <span className="chip-count">{formatNumber(alerts[severity]?.open ?? 0)}</span>
            <span className="muted small">/ {formatNumber(alerts[severity]?.total ?? 0)}</span>
          </Link>
        ))}
      </div>
      <p className="muted small panel-foot">open / all alerts raised in this time range</p>
    </section>
  );
}
