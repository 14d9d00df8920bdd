import type { FacetCount, TraceFacets } from '../../../api/types';
import { formatNumber } from '../../../lib/format';
import { FACET_KEYS, isFacetSelected, type FacetKey, type ListFilters } from '../listFilters';

interface FacetSidebarProps {
  facets: TraceFacets | undefined;
  filters: ListFilters;
  onToggle: (key: FacetKey, value: string) => void;
  onToggleAlerts: () => void;
  onClear: () => void;
  activeCount: number;
  loading: boolean;
}

const TITLES: Record<FacetKey, string> = {
  status: 'Status',
  service: 'Service',
  model: 'Model',
  name: 'Name',
  kind: 'Has span of kind',
};
const SHOWN = 8;

function FacetGroup({
  facetKey,
  counts,
  filters,
  onToggle,
}: {
  facetKey: FacetKey;
  counts: FacetCount[];
  filters: ListFilters;
  onToggle: (key: FacetKey, value: string) => void;
}) {
  // Selected values stay listed (with no count) even when the current filter leaves them no traces.
  const selected = (facetKey === 'status' ? (filters.status ? [filters.status] : []) : (filters[facetKey] as string[]))
    .filter((v) => !counts.some((c) => c.value === v))
    .map((value) => ({ value, count: 0 }));
  const all = [...counts, ...selected];
  if (!all.length) return null;
  return (
    <fieldset className="facet-group" data-testid={`facet-${facetKey}`}>
      <legend>{TITLES[facetKey]}</legend>
      {all.slice(0, SHOWN + selected.length).map(({ value, count }) => {
        const checked = isFacetSelected(filters, facetKey, value);
        return (
          <label key={value} className={`facet-item${checked ? ' checked' : ''}`} title={value}>
            <input
              type="checkbox"
              checked={checked}
              onChange={() => onToggle(facetKey, value)}
              data-testid="facet-option"
              data-value={value}
            />
            <span className="facet-value">{value || '(empty)'}</span>
            <span className="facet-count">{formatNumber(count)}</span>
          </label>
        );
      })}
      {all.length > SHOWN + selected.length ? (
        <div className="muted small">+{all.length - SHOWN - selected.length} more</div>
      ) : null}
    </fieldset>
  );
}

/** Filters with trace counts for the current filter (facets), one group per field. */
export function FacetSidebar({ facets, filters, onToggle, onToggleAlerts, onClear, activeCount, loading }: FacetSidebarProps) {
  return (
    <aside className="facet-sidebar" aria-label="Filters" data-testid="facet-sidebar">
      <div className="facet-head">
        <span className="facet-title">Filters</span>
        {activeCount ? (
          <button type="button" className="link-button small" onClick={onClear} data-testid="clear-filters">
            Clear {activeCount}
          </button>
        ) : null}
      </div>
      {!facets ? (
        <div className="muted small">{loading ? 'Counting…' : 'No counts'}</div>
      ) : (
        FACET_KEYS.map((key) => (
          <FacetGroup key={key} facetKey={key} counts={facets[key]} filters={filters} onToggle={onToggle} />
        ))
      )}
      <label className={`facet-item facet-alerts${filters.hasAlert ? ' checked' : ''}`}>
        <input
          type="checkbox"
          checked={filters.hasAlert}
          onChange={onToggleAlerts}
          data-testid="facet-has-alert"
        />
        <span className="facet-value">With security alerts</span>
      </label>
    </aside>
  );
}
