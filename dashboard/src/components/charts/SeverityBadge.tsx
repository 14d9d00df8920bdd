import type { CSSProperties } from 'react';
import './charts.css';
import { severityColor } from './palette';

/** A severity with its colour dot ("critical", "high", …). */
export function SeverityBadge({ severity }: { severity: string }) {
  return (
    <span className="severity-badge" style={{ '--sev-color': severityColor(severity) } as CSSProperties}>
      {severity.toLowerCase()}
    </span>
  );
}
