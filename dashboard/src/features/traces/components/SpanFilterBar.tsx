import { formatNumber, pluralize } from '../../../lib/format';

export interface SpanFilters {
  search: string;
  errors: boolean;
  llm: boolean;
  flagged: boolean;
}

interface SpanFilterBarProps {
  filters: SpanFilters;
  onChange: (next: SpanFilters) => void;
  /** Spans matching (null when nothing filters). */
  matchCount: number | null;
  total: number;
}

const TOGGLES: { key: 'errors' | 'llm' | 'flagged'; label: string; title: string }[] = [
  { key: 'errors', label: 'Errors', title: 'Only spans with status ERROR' },
  { key: 'llm', label: 'LLM', title: 'Only LLM calls' },
  { key: 'flagged', label: 'Flagged', title: 'Only spans with security alerts' },
];

/** Search inside a trace and the errors / LLM / flagged filters of its span tree. */
export function SpanFilterBar({ filters, onChange, matchCount, total }: SpanFilterBarProps) {
  return (
    <div className="span-filter-bar">
      <input
        type="search"
        className="input span-search"
        placeholder="Search spans (name, model, input, output)…"
        aria-label="Search spans"
        value={filters.search}
        onChange={(e) => onChange({ ...filters, search: e.target.value })}
        data-testid="span-search"
      />
      {TOGGLES.map((t) => (
        <button
          key={t.key}
          type="button"
          className={`chip${filters[t.key] ? ' active' : ''}`}
          aria-pressed={filters[t.key]}
          title={t.title}
          onClick={() => onChange({ ...filters, [t.key]: !filters[t.key] })}
          data-testid={`span-filter-${t.key}`}
        >
          {t.label}
        </button>
      ))}
      <span className="muted small span-match-count" data-testid="span-match-count">
        {matchCount === null ? pluralize(total, 'span') : `${formatNumber(matchCount)} of ${formatNumber(total)}`}
      </span>
    </div>
  );
}
