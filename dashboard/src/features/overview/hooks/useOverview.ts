import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { TimeRange } from '../../../components/charts/timeRange';
import { useLiveRefresh, type LiveMessage } from '../../live';
import { getOverview } from '../api';

/** Polling while the live socket is not connected (connecting, reconnecting, paused, refused). */
export const OVERVIEW_REFRESH_MS = 10_000;
/**
 * Polling while it is connected: only for what the feed does not carry — the pipeline panel's ingest rate and
 * backlog (a stalled writer sends nothing live, and a rate must fall back to 0 when spans stop).
 */
export const OVERVIEW_LIVE_REFRESH_MS = 30_000;
/** While live: at most one refetch per this many ms, however busy the project. */
export const OVERVIEW_LIVE_MIN_INTERVAL_MS = 2000;
/** While live: one more refetch this long after the last message (cost is priced by its own pool, a little later). */
const OVERVIEW_SETTLE_MS = 3000;

const overviewKey = (projectId: string) => ['overview', projectId] as const;

/** The overview of the window, polled every `pollMs` (false: not polled). */
export function useOverview(projectId: string, range: TimeRange, pollMs: number | false = OVERVIEW_REFRESH_MS) {
  return useQuery({
    queryKey: [...overviewKey(projectId), range.since.getTime(), range.until.getTime()],
    queryFn: ({ signal }) => getOverview(projectId, range, signal),
    refetchInterval: pollMs,
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[1] === projectId ? keepPreviousData(previous) : undefined,
  });
}

/** New spans (trace updates, or span summaries in the full format) and alerts change the overview's counters. */
const changesOverview = (m: LiveMessage) => m.type === 'trace' || m.type === 'span' || m.type === 'alert';

/**
 * The overview following the project's live feed: while its socket is connected every batch of new spans or
 * alerts refetches the overview (at most once per 2 s), with a slow poll for the pipeline panel; while it is
 * not, the overview polls every 10 s as before. Returns the query and the feed (for its status indicator).
 */
export function useLiveOverview(projectId: string, range: TimeRange) {
  const client = useQueryClient();
  const refresh = useCallback(
    () => void client.invalidateQueries({ queryKey: overviewKey(projectId) }),
    [client, projectId],
  );
  const feed = useLiveRefresh({
    projectId,
    relevant: changesOverview,
    refresh,
    minIntervalMs: OVERVIEW_LIVE_MIN_INTERVAL_MS,
    settleMs: OVERVIEW_SETTLE_MS,
  });
  const live = feed.status === 'live';
  const query = useOverview(projectId, range, live ? OVERVIEW_LIVE_REFRESH_MS : OVERVIEW_REFRESH_MS);
  return { query, feed, live };
}
