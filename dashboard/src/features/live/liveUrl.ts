import type { LiveFilters } from './types';

/** The `/ws/traces` URL of this page's host for a project, its filters and a resume cursor. */
export function liveUrl(projectId: string, filters: LiveFilters, cursor: string | null, origin: string = window.location.origin): string {
  const url = new URL('/ws/traces', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('project_id', projectId);
  url.searchParams.set('format', 'compact'); // spans as rows inside their trace message (compact.ts expands them)
  if (filters.trace_id) url.searchParams.set('trace_id', filters.trace_id);
  if (filters.kinds?.length) url.searchParams.set('kinds', filters.kinds.join(','));
  if (filters.statuses?.length) url.searchParams.set('statuses', filters.statuses.join(','));
  if (filters.severities?.length) url.searchParams.set('severities', filters.severities.join(','));
  if (cursor) url.searchParams.set('cursor', cursor);
  return url.toString();
}
