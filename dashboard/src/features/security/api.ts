/**
 * Security endpoints (`/security/...`), scoped to one project.
 *
 * The wire types below mirror the insights-api branch's response models until its generated schema is merged;
 * then they become aliases of `components['schemas']` (see dashboard/src/api/schema.d.ts).
 */

import { query, request } from '../../api/client';
import type { TimeRange } from '../../components/charts/timeRange';
import type { AlertFilters } from './alertFilters';

export interface Alert {
  alert_id: string;
  created_at: string;
  severity: string;
  score: number;
  rule: string;
  entity_types: string[];
  excerpt: string;
  trace_id: string;
  span_id: string;
  trace_name: string;
  span_name: string;
  service_name: string;
  status: string;
  status_note: string;
  status_by: string | null;
  status_at: string | null;
  details?: Record<string, unknown>;
}

export interface AlertPage {
  items: Alert[];
  next_cursor: string | null;
}

export interface SummaryBucket {
  time: string;
  counts: Record<string, number>;
}

export interface SecuritySummary {
  by_severity: Record<string, number>;
  open_by_severity: Record<string, number>;
  by_rule: Record<string, number>;
  buckets: SummaryBucket[];
}

export interface AllowListEntry {
  id: string;
  kind: string;
  value: string;
  entity_type: string;
  source_alert_id: string;
  created_by: string;
  created_at: string;
}

export interface StatusChange {
  alert: Alert;
  allow_list_entry: AllowListEntry | null;
}

export interface RunawayLimits {
  max_spans: number;
  max_duration_s: number;
  max_cost_usd: number;
}

export interface ProjectRules {
  injection_threshold: number;
  min_score: number;
  entity_min_scores: Record<string, number>;
  disabled_entities: string[];
  allow_list: string[];
  loop_threshold: number;
  runaway: RunawayLimits;
  anomaly_sigma: number;
  anomaly_warmup: number;
}

export interface RulesOut {
  rules: ProjectRules;
  defaults: ProjectRules;
  updated_by: string | null;
  updated_at: string | null;
}

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

export function setAlertStatus(projectId: string, alertId: string, status: string, note: string): Promise<StatusChange> {
  return request<StatusChange>(
    'PATCH',
    `/security/alerts/${encodeURIComponent(alertId)}${query({ project_id: projectId })}`,
    { body: { status, note } },
  );
}

export function bulkSetStatus(
  projectId: string,
  range: TimeRange,
  filters: AlertFilters,
  status: string,
): Promise<{ updated: number }> {
  return request('POST', `/security/alerts/bulk${query({ project_id: projectId })}`, {
    body: { ...windowParams(range), ...filterParams(filters), severity: filters.severity, status },
  });
}

export function getSummary(projectId: string, range: TimeRange, signal?: AbortSignal): Promise<SecuritySummary> {
  return request<SecuritySummary>('GET', `/security/summary${query({ project_id: projectId, ...windowParams(range) })}`, {
    signal,
  });
}

export function getRules(projectId: string, signal?: AbortSignal): Promise<RulesOut> {
  return request<RulesOut>('GET', `/security/rules${query({ project_id: projectId })}`, { signal });
}

export function putRules(projectId: string, rules: Partial<ProjectRules>): Promise<RulesOut> {
  return request<RulesOut>('PUT', `/security/rules${query({ project_id: projectId })}`, { body: rules });
}

export function listAllowList(projectId: string, signal?: AbortSignal): Promise<AllowListEntry[]> {
  return request<AllowListEntry[]>('GET', `/security/allow-list${query({ project_id: projectId })}`, { signal });
}

export function deleteAllowListEntry(projectId: string, entryId: string): Promise<void> {
  return request<void>('DELETE', `/security/allow-list/${encodeURIComponent(entryId)}${query({ project_id: projectId })}`);
}
