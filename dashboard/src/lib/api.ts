/** Minimal fetch client for the AgentStack query API. All URLs are relative (same origin). */

import { getStoredApiKey } from './apiKey';
import type { ApiErrorBody, TraceDetail, TraceListResponse } from './types';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (isApiErrorBody(body)) {
    return new ApiError(res.status, body.error.code || `http_${res.status}`, body.error.message);
  }
  const fallback =
    res.status === 401
      ? 'Unauthorized: the API key was rejected.'
      : `Request failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  return new ApiError(res.status, `http_${res.status}`, fallback);
}

/** Converts anything thrown by a request into an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Error) return new ApiError(0, 'client_error', err.message);
  return new ApiError(0, 'client_error', String(err));
}

export async function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const key = getStoredApiKey();
  if (key) headers['X-API-Key'] = key;

  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, { headers, signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Could not reach the AgentStack API. Is the server running?');
  }
  if (!res.ok) throw await errorFromResponse(res);
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, 'invalid_response', 'The server returned an invalid (non-JSON) response.');
  }
}

export function listTraces(
  params: { page: number; pageSize: number },
  signal?: AbortSignal,
): Promise<TraceListResponse> {
  const query = new URLSearchParams({ page: String(params.page), page_size: String(params.pageSize) });
  return apiGet<TraceListResponse>(`/traces?${query}`, signal);
}

export function getTrace(traceId: string, signal?: AbortSignal): Promise<TraceDetail> {
  return apiGet<TraceDetail>(`/traces/${encodeURIComponent(traceId)}`, signal);
}
