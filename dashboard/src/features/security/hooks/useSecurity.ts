import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TimeRange } from '../../../components/charts/timeRange';
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

export const SECURITY_REFRESH_MS = 5000;

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

/** Alerts matching the filters, newest first, loaded page by page (cursor). */
export function useAlertList(projectId: string, range: TimeRange, filters: AlertFilters) {
  return useInfiniteQuery({
    queryKey: keys.alerts(projectId, range, filters),
    queryFn: ({ pageParam, signal }) => listAlerts(projectId, range, filters, pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: SECURITY_REFRESH_MS,
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

export function useSecuritySummary(projectId: string, range: TimeRange) {
  return useQuery({
    queryKey: keys.summary(projectId, range),
    queryFn: ({ signal }) => getSummary(projectId, range, signal),
    refetchInterval: SECURITY_REFRESH_MS,
    placeholderData: keepPreviousData,
  });
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
