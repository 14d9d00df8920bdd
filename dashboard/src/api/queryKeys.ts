/** TanStack Query cache keys: the one place that names each cached resource. */

export const queryKeys = {
  authStatus: ['auth-status'] as const,
  me: ['me'] as const,
  projects: ['projects'] as const,
  users: ['users'] as const,
  members: (projectId: string) => ['projects', projectId, 'members'] as const,
  keys: (projectId: string) => ['projects', projectId, 'keys'] as const,
  traces: (projectId: string, page: number) => ['traces', projectId, 'list', page] as const,
  trace: (projectId: string, traceId: string) => ['traces', projectId, 'detail', traceId] as const,
};
