import { SPAN_KINDS } from '../../../lib/kinds';
import { SEVERITIES, STATUSES, type LiveFilters } from '../types';

interface Props {
  filters: LiveFilters;
  onChange: (filters: LiveFilters) => void;
}

function one(value: string): string[] {
  return value ? [value] : [];
}

/** Kind, status and severity filters of the Live page (sent to the server; empty means all). */
export function LiveFilterBar({ filters, onChange }: Props) {
  return (
    <div className="live-filters" data-testid="live-filters">
      <label>
        Kind{' '}
        <select
          data-testid="live-filter-kind"
          value={filters.kinds?.[0] ?? ''}
          onChange={(e) => onChange({ ...filters, kinds: one(e.target.value) })}
        >
          <option value="">all</option>
          {SPAN_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {kind}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status{' '}
        <select
          data-testid="live-filter-status"
          value={filters.statuses?.[0] ?? ''}
          onChange={(e) => onChange({ ...filters, statuses: one(e.target.value) })}
        >
          <option value="">all</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Alert severity{' '}
        <select
          data-testid="live-filter-severity"
          value={filters.severities?.[0] ?? ''}
          onChange={(e) => onChange({ ...filters, severities: one(e.target.value) })}
        >
          <option value="">all</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
