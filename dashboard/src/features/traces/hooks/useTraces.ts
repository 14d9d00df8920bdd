import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { queryKeys } from '../../../api/queryKeys';
import { getTrace, listTraces } from '../../../api/traces';

export const PAGE_SIZE = 50;
export const REFRESH_INTERVAL_MS = 5000;

/** One page of the project's traces, refreshed every few seconds while the tab is visible. */
export function useTraceList(projectId: string, page: number) {
  return useQuery({
    queryKey: queryKeys.traces(projectId, page),
    queryFn: ({ signal }) => listTraces({ projectId, page, pageSize: PAGE_SIZE }, signal),
    refetchInterval: REFRESH_INTERVAL_MS,
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[1] === projectId ? keepPreviousData(previous) : undefined,
  });
}

/** One trace with all its spans. */
export function useTrace(projectId: string, traceId: string) {
  return useQuery({
    queryKey: queryKeys.trace(projectId, traceId),
    queryFn: ({ signal }) => getTrace(projectId, traceId, signal),
  });
}
