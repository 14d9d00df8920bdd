/** TanStack Query cache keys: the one place that names each cached resource. */

export const queryKeys = {
  authStatus: ['auth-status'] as const,
  me: ['me'] as const,
  projects: ['projects'] as const,
  users: ['users'] as const,
  members: (projectId: string) => ['projects', projectId, 'members'] as const,
  keys: (projectId: string) => ['projects', projectId, 'keys'] as const,
  /** `state` is the list's URL state (filters, range, sort, page) as a string. */
  traces: (projectId: string, state: string) => ['traces', projectId, 'list', state] as const,
  traceFacets: (projectId: string, state: string) => ['traces', projectId, 'facets', state] as const,
  trace: (projectId: string, traceId: string) => ['traces', projectId, 'detail', traceId] as const,
  span: (projectId: string, spanId: string) => ['spans', projectId, spanId] as const,
  views: (projectId: string) => ['projects', projectId, 'views'] as const,
  sessions: (projectId: string, state: string) => ['sessions', projectId, 'list', state] as const,
  session: (projectId: string, sessionId: string) => ['sessions', projectId, 'detail', sessionId] as const,
};
