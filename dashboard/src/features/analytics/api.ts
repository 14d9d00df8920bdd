/** Analytics and price endpoints, each scoped to one project. Wire types come from the generated schema. */

import { query, request } from '../../api/client';
import type { components } from '../../api/schema';
import type { TimeRange } from '../../components/charts/timeRange';

type Schemas = components['schemas'];
export type CostReport = Schemas['CostReport'];
export type GroupBy = CostReport['group_by'];
export type LatencyReport = Schemas['LatencyReport'];
export type LatencyBy = LatencyReport['by'];
export type ErrorReport = Schemas['ErrorReport'];
export type TopTraces = Schemas['TopTraces'];
export type TopBy = TopTraces['by'];
export type PriceTable = Schemas['PriceTable'];
export type Price = Schemas['PriceOut'];
export type PriceIn = Schemas['PriceIn'];

export const GROUP_BY_LABELS: Record<GroupBy, string> = {
  model: 'Model',
  provider: 'Provider',
  service: 'Service',
  user: 'User',
  session: 'Session',
  trace_name: 'Trace name',
};

function window(projectId: string, range: TimeRange) {
  return { project_id: projectId, start: range.since.toISOString(), end: range.until.toISOString() };
}

export function getCost(projectId: string, range: TimeRange, groupBy: GroupBy, signal?: AbortSignal): Promise<CostReport> {
  return request<CostReport>('GET', `/analytics/cost${query({ ...window(projectId, range), group_by: groupBy })}`, { signal });
}

export function getLatency(projectId: string, range: TimeRange, by: LatencyBy, signal?: AbortSignal): Promise<LatencyReport> {
  return request<LatencyReport>('GET', `/analytics/latency${query({ ...window(projectId, range), by })}`, { signal });
}

export function getErrors(projectId: string, range: TimeRange, signal?: AbortSignal): Promise<ErrorReport> {
  return request<ErrorReport>('GET', `/analytics/errors${query(window(projectId, range))}`, { signal });
}

export function getTopTraces(projectId: string, range: TimeRange, by: TopBy, signal?: AbortSignal): Promise<TopTraces> {
  return request<TopTraces>('GET', `/analytics/top-traces${query({ ...window(projectId, range), by, limit: 20 })}`, { signal });
}

export function getPrices(projectId: string, range: TimeRange, signal?: AbortSignal): Promise<PriceTable> {
  return request<PriceTable>('GET', `/prices${query(window(projectId, range))}`, { signal });
}

export function addPriceOverride(projectId: string, body: PriceIn): Promise<Price> {
  return request<Price>('POST', `/prices/overrides${query({ project_id: projectId })}`, { body });
}

export function deletePriceOverride(projectId: string, overrideId: string): Promise<void> {
  return request<void>('DELETE', `/prices/overrides/${encodeURIComponent(overrideId)}${query({ project_id: projectId })}`);
}
