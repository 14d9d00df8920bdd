import type { CSSProperties } from 'react';
import { severityColor } from '../../../components/charts/palette';
import { formatNumber } from '../../../lib/format';
import { SEVERITIES } from '../alertFilters';

interface SeverityChipsProps {
  counts: Record<string, number> | undefined;
  selected: readonly string[];
  onChange: (next: string[]) => void;
}

/** One chip per severity with its alert count; clicking a chip filters the list to it (several may be on). */
export function SeverityChips({ counts, selected, onChange }: SeverityChipsProps) {
  const toggle = (severity: string) =>
    onChange(selected.includes(severity) ? selected.filter((s) => s !== severity) : [...selected, severity]);
  return (
    <div className="chips" role="group" aria-label="Severity" data-testid="severity-chips">
      {SEVERITIES.map((severity) => (
        <button
          key={severity}
          type="button"
          className={`chip${selected.includes(severity) ? ' active' : ''}`}
          style={{ '--chip-color': severityColor(severity) } as CSSProperties}
          aria-pressed={selected.includes(severity)}
          onClick={() => toggle(severity)}
          data-testid={`chip-${severity.toLowerCase()}`}
        >
          <span className="chip-dot" aria-hidden="true" />
          <span className="chip-label">{severity.toLowerCase()}</span>
          <span className="chip-count">{counts ? formatNumber(counts[severity] ?? 0) : '–'}</span>
        </button>
      ))}
    </div>
  );
}
