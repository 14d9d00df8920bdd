/**
 * The trace list's state — filters, search, time range, sort, page — as URL search parameters (so a view is
 * shareable), and the API parameters it stands for.
 */

import type { TraceFilterParams, TraceListParams } from '../../api/traces';
import { SPAN_KINDS, type KnownSpanKind } from '../../lib/kinds';

export const TIME_RANGES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '6h', label: 'Last 6 hours', ms: 6 * 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3_600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3_600_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 24 * 3_600_000 },
  { value: '365d', label: 'Last year', ms: 365 * 24 * 3_600_000 },
] as const;
export type TimeRange = (typeof TIME_RANGES)[number]['value'];
export const DEFAULT_RANGE: TimeRange = '24h';

export const SORTS = [
  { value: 'start_time', label: 'Start time' },
  { value: 'duration', label: 'Duration' },
  { value: 'cost', label: 'Cost' },
  { value: 'tokens', label: 'Tokens' },
  { value: 'span_count', label: 'Spans' },
] as const;
export type SortKey = (typeof SORTS)[number]['value'];

export interface ListFilters {
  q: string;
  range: TimeRange;
  status: 'OK' | 'ERROR' | null;
  service: string[];
  model: string[];
  name: string[];
  kind: KnownSpanKind[];
  sessionId: string | null;
  userId: string | null;
  hasAlert: boolean;
  sort: SortKey;
  order: 'asc' | 'desc';
  page: number;
}

/** The facet groups of the sidebar and the URL parameter each one sets. */
export const FACET_KEYS = ['status', 'service', 'model', 'name', 'kind'] as const;
export type FacetKey = (typeof FACET_KEYS)[number];

function oneOf<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

export function parseFilters(params: URLSearchParams): ListFilters {
  const page = Number.parseInt(params.get('page') ?? '', 10);
  const status = params.get('status');
  return {
    q: params.get('q') ?? '',
    range: oneOf(params.get('range'), TIME_RANGES.map((r) => r.value), DEFAULT_RANGE),
    status: status === 'OK' || status === 'ERROR' ? status : null,
    service: params.getAll('service'),
    model: params.getAll('model'),
    name: params.getAll('name'),
    kind: params.getAll('kind').filter((k): k is KnownSpanKind => (SPAN_KINDS as readonly string[]).includes(k)),
    sessionId: params.get('session_id'),
    userId: params.get('user_id'),
    hasAlert: params.get('has_alert') === 'true',
    sort: oneOf(params.get('sort'), SORTS.map((s) => s.value), 'start_time'),
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

/** URL parameters of a state; defaults are left out so URLs stay short. */
export function filtersToSearch(f: ListFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set('q', f.q.trim());
  if (f.range !== DEFAULT_RANGE) p.set('range', f.range);
  if (f.status) p.set('status', f.status);
  for (const key of ['service', 'model', 'name', 'kind'] as const) for (const v of f[key]) p.append(key, v);
  if (f.sessionId) p.set('session_id', f.sessionId);
  if (f.userId) p.set('user_id', f.userId);
  if (f.hasAlert) p.set('has_alert', 'true');
  if (f.sort !== 'start_time') p.set('sort', f.sort);
  if (f.order !== 'desc') p.set('order', f.order);
  if (f.page > 1) p.set('page', String(f.page));
  return p;
}

/** How many filters narrow the list (search and time range not counted). */
export function activeFilterCount(f: ListFilters): number {
  return (
    (f.status ? 1 : 0) +
    f.service.length +
    f.model.length +
    f.name.length +
    f.kind.length +
    (f.sessionId ? 1 : 0) +
    (f.userId ? 1 : 0) +
    (f.hasAlert ? 1 : 0)
  );
}

/** The API's filter parameters; the time window ends `now`. */
export function toFilterParams(f: ListFilters, now: number): TraceFilterParams {
  const range = TIME_RANGES.find((r) => r.value === f.range) ?? TIME_RANGES[2];
  return {
    start_date: new Date(now - range.ms).toISOString(),
    status: f.status,
    service: f.service,
    model: f.model,
    name: f.name,
    kind: f.kind,
    session_id: f.sessionId,
    user_id: f.userId,
    has_alert: f.hasAlert ? true : null,
    q: f.q.trim() || null,
  };
}

export function toListParams(f: ListFilters, now: number, pageSize: number): TraceListParams {
  return { ...toFilterParams(f, now), sort: f.sort, order: f.order, page: f.page, page_size: pageSize };
}

/** The state after toggling one facet value (page back to 1). */
export function toggleFacet(f: ListFilters, key: FacetKey, value: string): ListFilters {
  if (key === 'status') {
    const status = value === 'OK' || value === 'ERROR' ? value : null;
    return { ...f, status: f.status === status ? null : status, page: 1 };
  }
  const list = f[key] as string[];
  const next = list.includes(value) ? list.filter((v) => v !== value) : [...list, value];
  return { ...f, [key]: next, page: 1 };
}

export function isFacetSelected(f: ListFilters, key: FacetKey, value: string): boolean {
  return key === 'status' ? f.status === value : (f[key] as string[]).includes(value);
}
