/** Trace read endpoints; every call is scoped to one project. */

import { query, request } from './client';
import type { TraceDetail, TraceListResponse } from './types';

export function listTraces(
  params: { projectId: string; page: number; pageSize: number },
  signal?: AbortSignal,
): Promise<TraceListResponse> {
  const search = query({ project_id: params.projectId, page: params.page, page_size: params.pageSize });
  return request<TraceListResponse>('GET', `/traces${search}`, { signal });
}

export function getTrace(projectId: string, traceId: string, signal?: AbortSignal): Promise<TraceDetail> {
  const search = query({ project_id: projectId });
  return request<TraceDetail>('GET', `/traces/${encodeURIComponent(traceId)}${search}`, { signal });
}
