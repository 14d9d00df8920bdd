import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { TimeRange } from '../../../components/charts/timeRange';
import { getOverview } from '../api';

export const OVERVIEW_REFRESH_MS = 10_000;

/** The overview of the window, refreshed every few seconds (the pipeline numbers are live). */
export function useOverview(projectId: string, range: TimeRange) {
  return useQuery({
    queryKey: ['overview', projectId, range.since.getTime(), range.until.getTime()],
    queryFn: ({ signal }) => getOverview(projectId, range, signal),
    refetchInterval: OVERVIEW_REFRESH_MS,
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[1] === projectId ? keepPreviousData(previous) : undefined,
  });
}
