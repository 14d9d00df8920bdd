import type { LiveFilters } from './types';

/** Where a page opens its live socket: the live replica's own port (no Serve proxy in the way), or this page's host. */
export interface LiveEndpoint {
  /** `ws://host:port` or `wss://host`: the socket's origin. */
  origin: string;
  /** Stands in for the Origin check on the replica's own port (a cookie session's handshake); null elsewhere. */
  ticket: string | null;
  /** Whether `origin` is the replica's own port (a failure there falls back to this page's host). */
  direct: boolean;
}

/** This page's host: `/ws/traces` through Serve's proxy. */
export function pageEndpoint(origin: string = window.location.origin): LiveEndpoint {
  const url = new URL(origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return { origin: url.origin, ticket: null, direct: false };
}

/**
 * The live replica's own port when it serves one (`GET /ws/endpoint`, answered by a live replica through the
 * proxy) and this page can use it (not an https page: that port speaks plain ws); else this page's host.
 */
export async function liveEndpoint(origin: string = window.location.origin): Promise<LiveEndpoint> {
  const page = new URL(origin);
  if (page.protocol === 'https:') return pageEndpoint(origin);
  try {
    const response = await fetch(new URL('/ws/endpoint', origin), { credentials: 'same-origin' });
    if (!response.ok) return pageEndpoint(origin);
    const answer = (await response.json()) as { port?: number | null; ticket?: string | null };
    if (!answer.port) return pageEndpoint(origin);
    return { origin: `ws://${page.hostname}:${answer.port}`, ticket: answer.ticket ?? null, direct: true };
  } catch {
    return pageEndpoint(origin);
  }
}

/** The `/ws/traces` URL at `endpoint` for a project, its filters and a resume cursor. */
export function liveUrl(projectId: string, filters: LiveFilters, cursor: string | null, endpoint: LiveEndpoint = pageEndpoint()): string {
  const url = new URL('/ws/traces', endpoint.origin);
  url.searchParams.set('project_id', projectId);
  url.searchParams.set('format', 'compact'); // spans as rows inside their trace message (compact.ts expands them)
  if (filters.trace_id) url.searchParams.set('trace_id', filters.trace_id);
  if (filters.kinds?.length) url.searchParams.set('kinds', filters.kinds.join(','));
  if (filters.statuses?.length) url.searchParams.set('statuses', filters.statuses.join(','));
  if (filters.severities?.length) url.searchParams.set('severities', filters.severities.join(','));
  if (cursor) url.searchParams.set('cursor', cursor);
  if (endpoint.ticket) url.searchParams.set('ticket', endpoint.ticket);
  return url.toString();
}
