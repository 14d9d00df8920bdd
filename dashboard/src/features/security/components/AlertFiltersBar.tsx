import { useState } from 'react';
import { RULE_LABELS, RULES, STATUS_LABELS, STATUSES, hasFilters, type AlertFilters } from '../alertFilters';

interface AlertFiltersBarProps {
  filters: AlertFilters;
  onChange: (name: keyof AlertFilters, value: string) => void;
  onClear: () => void;
}

/** A text filter applied on Enter or when the field loses focus (not on every key); keyed by its value, so a URL change resets it. */
function TextFilter(props: { label: string; value: string; onApply: (v: string) => void; testId: string; width: number }) {
  const { label, value, onApply, testId, width } = props;
  const [draft, setDraft] = useState(value);
  return (
    <input
      className="input input-small"
      style={{ width }}
      placeholder={label}
      aria-label={label}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={() => draft.trim() !== value && onApply(draft.trim())}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onApply(draft.trim());
      }}
      data-testid={testId}
    />
  );
}

/** Rule, status, entity type, trace and service filters of the alert list (all kept in the URL). */
export function AlertFiltersBar({ filters, onChange, onClear }: AlertFiltersBarProps) {
  return (
    <div className="toolbar" data-testid="alert-filters">
      <select
        className="input input-small"
        aria-label="Rule"
        value={filters.rule}
        onChange={(e) => onChange('rule', e.target.value)}
        data-testid="filter-rule"
      >
        <option value="">All rules</option>
        {RULES.map((rule) => (
          <option key={rule} value={rule}>
            {RULE_LABELS[rule]}
          </option>
        ))}
      </select>
      <select
        className="input input-small"
        aria-label="Status"
        value={filters.status}
        onChange={(e) => onChange('status', e.target.value)}
        data-testid="filter-status"
      >
        <option value="">Any status</option>
        {STATUSES.map((status) => (
          <option key={status} value={status}>
            {STATUS_LABELS[status]}
          </option>
        ))}
      </select>
      <TextFilter label="Entity type (e.g. EMAIL_ADDRESS)" key={filters.entity} value={filters.entity} width={230}
        onApply={(v) => onChange('entity', v.toUpperCase())} testId="filter-entity" />
      <TextFilter label="Service" key={filters.service} value={filters.service} width={150} onApply={(v) => onChange('service', v)}
        testId="filter-service" />
      <TextFilter label="Trace id" key={filters.traceId} value={filters.traceId} width={200} onApply={(v) => onChange('traceId', v)}
        testId="filter-trace" />
      {hasFilters(filters) ? (
        <button type="button" className="btn btn-ghost btn-small" onClick={onClear} data-testid="filter-clear">
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
