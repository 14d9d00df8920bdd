/** Security endpoints (`/security/...`), each scoped to one project. Wire types come from the generated schema. */

import { query, request } from '../../api/client';
import type { components } from '../../api/schema';
import { barBucket, type TimeRange } from '../../components/charts/timeRange';
import type { AlertFilters } from './alertFilters';

type Schemas = components['schemas'];
export type Alert = Schemas['AlertOut'];
export type AlertPage = Schemas['AlertPage'];
export type SecuritySummary = Schemas['SecuritySummary'];
export type AllowListEntry = Schemas['AllowEntryOut'];
export type AllowList = Schemas['AllowList'];
export type StatusChange = Schemas['StatusChanged'];
export type BulkResult = Schemas['BulkResult'];
/** `effective` and `defaults` hold ProjectRules (actors/security/policy.py); `overrides` only the changed keys. */
export type RulesOut = Schemas['RulesOut'];
export type RulesIn = Schemas['RulesIn'];

function windowParams(range: TimeRange) {
  return { start: range.since.toISOString(), end: range.until.toISOString() };
}

function filterParams(filters: AlertFilters) {
  return {
    severity: filters.severity.length ? filters.severity.join(',') : undefined,
    rule: filters.rule || undefined,
    status: filters.status || undefined,
    entity: filters.entity || undefined,
    trace_id: filters.traceId || undefined,
    service: filters.service || undefined,
  };
}

export function listAlerts(
  projectId: string,
  range: TimeRange,
  filters: AlertFilters,
  cursor: string | undefined,
  signal?: AbortSignal,
): Promise<AlertPage> {
  const search = query({ project_id: projectId, ...windowParams(range), ...filterParams(filters), cursor, limit: 50 });
  return request<AlertPage>('GET', `/security/alerts${search}`, { signal });
}

export function getAlert(projectId: string, alertId: string, signal?: AbortSignal): Promise<Alert> {
  return request<Alert>('GET', `/security/alerts/${encodeURIComponent(alertId)}${query({ project_id: projectId })}`, {
    signal,
  });
}

export function setAlertStatus(
  projectId: string,
  alertId: string,
  status: Schemas['StatusIn']['status'],
  note: string,
): Promise<StatusChange> {
  const body: Schemas['StatusIn'] = { status, note };
  return request<StatusChange>('PATCH', `/security/alerts/${encodeURIComponent(alertId)}${query({ project_id: projectId })}`, {
    body,
  });
}

/** Sets `status` on every alert the filters select in the window, among those currently in `currentStatus`. */
export function bulkSetStatus(
  projectId: string,
  range: TimeRange,
  filters: AlertFilters,
  currentStatus: Schemas['AlertOut']['status'][],
  status: Schemas['AlertOut']['status'],
): Promise<BulkResult> {
  const body: Schemas['BulkStatusIn'] = {
    ...windowParams(range),
    status,
    note: '',
    severity: filters.severity.length ? (filters.severity as Schemas['BulkStatusIn']['severity']) : null,
    rule: filters.rule ? [filters.rule] : null,
    entity: filters.entity ? [filters.entity] : null,
    current_status: currentStatus,
    trace_id: filters.traceId || null,
    service: filters.service || null,
  };
  return request<BulkResult>('POST', `/security/alerts/bulk-status${query({ project_id: projectId })}`, { body });
}

export function getSummary(projectId: string, range: TimeRange, signal?: AbortSignal): Promise<SecuritySummary> {
  return request<SecuritySummary>('GET', `/security/summary${query({ project_id: projectId, ...windowParams(range), bucket: barBucket(range) })}`, {
    signal,
  });
}

export function getRules(projectId: string, signal?: AbortSignal): Promise<RulesOut> {
  return request<RulesOut>('GET', `/security/rules${query({ project_id: projectId })}`, { signal });
}

export function putRules(projectId: string, body: RulesIn): Promise<RulesOut> {
  return request<RulesOut>('PUT', `/security/rules${query({ project_id: projectId })}`, { body });
}

export function listAllowList(projectId: string, signal?: AbortSignal): Promise<AllowList> {
  return request<AllowList>('GET', `/security/allow-list${query({ project_id: projectId })}`, { signal });
}

export function deleteAllowListEntry(projectId: string, entryId: string): Promise<void> {
  return request<void>('DELETE', `/security/allow-list/${encodeURIComponent(entryId)}${query({ project_id: projectId })}`);
}
