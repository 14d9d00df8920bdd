/**
 * Fetch client for the AgentStack API. All URLs are relative (same origin); people are authenticated by the
 * httpOnly session cookie, so no credential is ever read or stored by this code.
 */

import type { ApiErrorBody } from './types';

export const API_BASE = '/api/v1';

/** An HTTP or network failure, carrying the server's error code (and the offending field, when named). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  /** Seconds to wait before retrying, from a 429's `Retry-After`. */
  readonly retryAfterS: number | undefined;

  constructor(status: number, code: string, message: string, field?: string, retryAfterS?: number) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterS = retryAfterS;
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }

  /** True for answers about the request itself (4xx): retrying the same request will not help. */
  get isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

let onUnauthorized: (() => void) | null = null;

/** Registers what happens when any request (other than a login attempt) is answered with 401. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

function fallbackMessage(res: Response): string {
  if (res.status === 401) return 'Your session has ended. Log in again.';
  if (res.status === 403) return 'You are not allowed to do this.';
  if (res.status >= 500) return `The server failed (HTTP ${res.status}). Try again in a moment.`;
  return `Request failed: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
}

async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  const retryHeader = Number.parseInt(res.headers.get('Retry-After') ?? '', 10);
  const retryAfterS = Number.isFinite(retryHeader) ? retryHeader : undefined;
  if (isApiErrorBody(body)) {
    const { code, message, field } = body.error;
    return new ApiError(res.status, code || `http_${res.status}`, message, field ?? undefined, retryAfterS);
  }
  return new ApiError(res.status, `http_${res.status}`, fallbackMessage(res), undefined, retryAfterS);
}

/** Converts anything thrown by a request into an ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof Error) return new ApiError(0, 'client_error', err.message);
  return new ApiError(0, 'client_error', String(err));
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /**
   * When false (or when this returns false for the error), a 401 goes to the caller only: the login form
   * shows "wrong password" itself instead of being sent to the login page.
   */
  redirectOn401?: boolean | ((error: ApiError) => boolean);
}

/** Sends one request; resolves with the parsed JSON body (undefined for 204), rejects with an ApiError. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';

  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Could not reach the AgentStack API. Is the server running?');
  }
  if (!res.ok) {
    const error = await errorFromResponse(res);
    const redirect = options.redirectOn401 ?? true;
    if (error.isUnauthorized && (typeof redirect === 'function' ? redirect(error) : redirect)) onUnauthorized?.();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  try {
    return (await res.json()) as T;
  } catch {
    throw new ApiError(res.status, 'invalid_response', 'The server returned an invalid (non-JSON) response.');
  }
}

type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[];

/** Query-string helper: drops undefined, null and empty values; arrays repeat the parameter. */
export function query(params: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const item of value) search.append(name, String(item));
    else search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
