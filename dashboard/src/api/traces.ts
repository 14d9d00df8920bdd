/** Trace, span and session read endpoints; every call is scoped to one project. */

import { query, request } from './client';
import type { operations } from './schema';
import type {
  SavedView,
  SessionDetail,
  SessionListResponse,
  Span,
  SpanWithAlerts,
  TraceDetail,
  TraceDetailPage,
  TraceFacets,
  TraceListResponse,
  ViewIn,
  ViewList,
} from './types';

/** The trace list's query parameters, as the server declares them (filters, sort, paging). */
export type TraceListParams = NonNullable<operations['traces_api_v1_traces_get']['parameters']['query']>;
/** The filters alone (what the facets endpoint takes). */
export type TraceFilterParams = NonNullable<operations['facets_api_v1_traces_facets_get']['parameters']['query']>;

export function listTraces(projectId: string, params: TraceListParams, signal?: AbortSignal): Promise<TraceListResponse> {
  return request<TraceListResponse>('GET', `/traces${query({ ...params, project_id: projectId })}`, { signal });
}

export function traceFacets(projectId: string, params: TraceFilterParams, signal?: AbortSignal): Promise<TraceFacets> {
  return request<TraceFacets>('GET', `/traces/facets${query({ ...params, project_id: projectId })}`, { signal });
}

/** Spans fetched with their inputs/outputs; past this, pages leave them out and the UI loads them per span. */
export const FULL_SPANS = 1000;
/** The largest page of spans the server gives (`span_limit`'s bound). */
const SPAN_PAGE = 20_000;
/** A trace view stops loading spans here (the header still shows the true count). */
export const MAX_SPANS = 200_000;

/**
 * One trace with all its spans: the first page with inputs/outputs, the rest (very large traces) in big
 * pages without them (`fields=no_io`); those spans are listed in `ioOmitted`.
 */
export async function getTrace(projectId: string, traceId: string, signal?: AbortSignal): Promise<TraceDetail> {
  const path = `/traces/${encodeURIComponent(traceId)}`;
  const first = await request<TraceDetailPage>(
    'GET',
    `${path}${query({ project_id: projectId, span_limit: FULL_SPANS })}`,
    { signal },
  );
  const spans: Span[] = [...first.spans];
  const ioOmitted = new Set<string>();
  let next = first.next_span_offset;
  while (next !== null && spans.length < MAX_SPANS) {
    const page = await request<TraceDetailPage>(
      'GET',
      `${path}${query({ project_id: projectId, span_offset: next, span_limit: SPAN_PAGE, fields: 'no_io' })}`,
      { signal },
    );
    for (const span of page.spans) {
      spans.push(span);
      ioOmitted.add(span.span_id);
    }
    next = page.spans.length ? page.next_span_offset : null;
  }
  return { ...first, spans, ioOmitted };
}

/** One span with everything (inputs, outputs, alerts). */
export function getSpan(projectId: string, spanId: string, signal?: AbortSignal): Promise<SpanWithAlerts> {
  return request<SpanWithAlerts>('GET', `/spans/${encodeURIComponent(spanId)}${query({ project_id: projectId })}`, {
    signal,
  });
}

export type SessionListParams = NonNullable<operations['sessions_api_v1_sessions_get']['parameters']['query']>;

export function listSessions(projectId: string, params: SessionListParams, signal?: AbortSignal): Promise<SessionListResponse> {
  return request<SessionListResponse>('GET', `/sessions${query({ ...params, project_id: projectId })}`, { signal });
}

export function getSession(projectId: string, sessionId: string, signal?: AbortSignal): Promise<SessionDetail> {
  return request<SessionDetail>(
    'GET',
    `/sessions/${encodeURIComponent(sessionId)}${query({ project_id: projectId })}`,
    { signal },
  );
}

/** Saved views of the trace list, per project (`filters` is the list's URL query string). */
export function listViews(projectId: string, signal?: AbortSignal): Promise<ViewList> {
  return request<ViewList>('GET', `/projects/${encodeURIComponent(projectId)}/views`, { signal });
}

export function createView(projectId: string, body: ViewIn): Promise<SavedView> {
  return request<SavedView>('POST', `/projects/${encodeURIComponent(projectId)}/views`, { body });
}

export function deleteView(projectId: string, viewId: string): Promise<void> {
  return request<void>('DELETE', `/projects/${encodeURIComponent(projectId)}/views/${encodeURIComponent(viewId)}`);
}
