import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { TimeRange } from '../../../components/charts/timeRange';
import { useLiveRefresh, type LiveMessage } from '../../live';
import type { AlertFilters } from '../alertFilters';
import {
  bulkSetStatus,
  deleteAllowListEntry,
  getAlert,
  getRules,
  getSummary,
  listAlerts,
  listAllowList,
  putRules,
  setAlertStatus,
  type Alert,
  type RulesIn,
} from '../api';

/** Polling of the alert list and summary while the live socket is not connected (fallback). */
export const SECURITY_REFRESH_MS = 5000;
/** While live: at most one refetch of the list and the summary per this many ms, however many alerts arrive. */
export const SECURITY_LIVE_MIN_INTERVAL_MS = 1000;

const keys = {
  all: (projectId: string) => ['security', projectId] as const,
  alerts: (projectId: string, range: TimeRange, filters: AlertFilters) =>
    ['security', projectId, 'alerts', range.since.getTime(), range.until.getTime(), filters] as const,
  alert: (projectId: string, alertId: string) => ['security', projectId, 'alert', alertId] as const,
  summary: (projectId: string, range: TimeRange) =>
    ['security', projectId, 'summary', range.since.getTime(), range.until.getTime()] as const,
  rules: (projectId: string) => ['security', projectId, 'rules'] as const,
  allowList: (projectId: string) => ['security', projectId, 'allow-list'] as const,
};

/** Alerts matching the filters, newest first, loaded page by page (cursor); polled every `pollMs` (false: not). */
export function useAlertList(projectId: string, range: TimeRange, filters: AlertFilters, pollMs: number | false = SECURITY_REFRESH_MS) {
  return useInfiniteQuery({
    queryKey: keys.alerts(projectId, range, filters),
    queryFn: ({ pageParam, signal }) => listAlerts(projectId, range, filters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: pollMs,
    placeholderData: keepPreviousData,
  });
}

export function useAlert(projectId: string, alertId: string | null) {
  return useQuery({
    queryKey: keys.alert(projectId, alertId ?? ''),
    queryFn: ({ signal }) => getAlert(projectId, alertId ?? '', signal),
    enabled: alertId !== null,
  });
}

/** Counts by severity and status, and the trend, of the window; polled every `pollMs` (false: not). */
export function useSecuritySummary(projectId: string, range: TimeRange, pollMs: number | false = SECURITY_REFRESH_MS) {
  return useQuery({
    queryKey: keys.summary(projectId, range),
    queryFn: ({ signal }) => getSummary(projectId, range, signal),
    refetchInterval: pollMs,
    placeholderData: keepPreviousData,
  });
}

const isAlert = (m: LiveMessage) => m.type === 'alert';

/**
 * The Security page's live feed: each batch with a new alert refetches the alert lists and summaries of the
 * project (every window and filter the cache holds; only those on screen are fetched), at most once a second.
 * Returns the feed and `poll`, the interval for the list and summary: none while the socket is connected (an
 * alert is stored before it is published, so the refetch finds it), SECURITY_REFRESH_MS while it is not.
 */
export function useLiveSecurity(projectId: string) {
  const client = useQueryClient();
  const refresh = useCallback(
    () =>
      void client.invalidateQueries({
        queryKey: keys.all(projectId),
        predicate: (query) => query.queryKey[2] === 'alerts' || query.queryKey[2] === 'summary',
      }),
    [client, projectId],
  );
  const feed = useLiveRefresh({ projectId, relevant: isAlert, refresh, minIntervalMs: SECURITY_LIVE_MIN_INTERVAL_MS });
  const poll: number | false = feed.status === 'live' ? false : SECURITY_REFRESH_MS;
  return { feed, poll };
}

export function useSetAlertStatus(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (args: { alertId: string; status: Alert['status']; note: string }) =>
      setAlertStatus(projectId, args.alertId, args.status, args.note),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.all(projectId) }),
  });
}

export function useBulkSetStatus(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (args: { range: TimeRange; filters: AlertFilters; from: Alert['status'][]; status: Alert['status'] }) =>
      bulkSetStatus(projectId, args.range, args.filters, args.from, args.status),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.all(projectId) }),
  });
}

/** The project's rules (admins only: others get a 403, shown as such). */
export function useRules(projectId: string, enabled: boolean) {
  return useQuery({ queryKey: keys.rules(projectId), queryFn: ({ signal }) => getRules(projectId, signal), enabled });
}

export function useSaveRules(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: RulesIn) => putRules(projectId, body),
    onSuccess: (data) => client.setQueryData(keys.rules(projectId), data),
  });
}

export function useAllowList(projectId: string) {
  return useQuery({ queryKey: keys.allowList(projectId), queryFn: ({ signal }) => listAllowList(projectId, signal) });
}

export function useDeleteAllowListEntry(projectId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (entryId: string) => deleteAllowListEntry(projectId, entryId),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.all(projectId) }),
  });
}
