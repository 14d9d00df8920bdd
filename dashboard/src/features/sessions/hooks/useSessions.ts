import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { queryKeys } from '../../../api/queryKeys';
import { getSession, listSessions } from '../../../api/traces';
import { TIME_RANGES, type TimeRange } from '../../traces/listFilters';

export const SESSION_PAGE_SIZE = 50;

/** Sessions active in the time range, most recent activity first. */
export function useSessionList(projectId: string, range: TimeRange, page: number) {
  return useQuery({
    queryKey: queryKeys.sessions(projectId, `${range}:${page}`),
    queryFn: ({ signal }) => {
      const ms = TIME_RANGES.find((r) => r.value === range)?.ms ?? TIME_RANGES[2].ms;
      const params = { start_date: new Date(Date.now() - ms).toISOString(), page, page_size: SESSION_PAGE_SIZE };
      return listSessions(projectId, params, signal);
    },
    refetchInterval: 10_000,
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[1] === projectId ? keepPreviousData(previous) : undefined,
  });
}

/** One session and its traces (turns) in order. */
export function useSession(projectId: string, sessionId: string) {
  return useQuery({
    queryKey: queryKeys.session(projectId, sessionId),
    queryFn: ({ signal }) => getSession(projectId, sessionId, signal),
    refetchInterval: 10_000,
  });
}
