import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { queryKeys } from '../../../api/queryKeys';
import { getSpan, getTrace, listTraces, traceFacets } from '../../../api/traces';
import { filtersToSearch, toFilterParams, toListParams, type ListFilters } from '../listFilters';

export const PAGE_SIZE = 50;
export const REFRESH_INTERVAL_MS = 5000;

/**
 * One page of the project's traces for the list state. Refreshed every few seconds while the tab is visible and
 * `poll` is on; the list page turns polling off while its live socket is connected (new traces then show in the
 * "n new traces" pill, and a click reloads the list) and back on while the socket is offline.
 */
export function useTraceList(projectId: string, filters: ListFilters, poll = true) {
  const state = filtersToSearch(filters).toString();
  return useQuery({
    queryKey: queryKeys.traces(projectId, state),
    // The time window ends "now" at each fetch, so a refresh shows new traces.
    queryFn: ({ signal }) => listTraces(projectId, toListParams(filters, Date.now(), PAGE_SIZE), signal),
    refetchInterval: poll ? REFRESH_INTERVAL_MS : false,
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[1] === projectId ? keepPreviousData(previous) : undefined,
  });
}

/** Trace counts per status, service, model, name and kind for the list's filters (the page is ignored; polled
 * like the list, only while `poll` is on). */
export function useTraceFacets(projectId: string, filters: ListFilters, poll = true) {
  const state = filtersToSearch({ ...filters, page: 1, sort: 'start_time', order: 'desc' }).toString();
  return useQuery({
    queryKey: queryKeys.traceFacets(projectId, state),
    queryFn: ({ signal }) => traceFacets(projectId, toFilterParams(filters, Date.now()), signal),
    refetchInterval: poll ? REFRESH_INTERVAL_MS * 3 : false,
    placeholderData: (previous, previousQuery) =>
      previousQuery?.queryKey[1] === projectId ? keepPreviousData(previous) : undefined,
  });
}

/** One trace with all its spans (very large traces: spans past the first page without inputs/outputs). */
export function useTrace(projectId: string, traceId: string) {
  return useQuery({
    queryKey: queryKeys.trace(projectId, traceId),
    queryFn: ({ signal }) => getTrace(projectId, traceId, signal),
  });
}

/** One span in full, fetched only when `enabled` (a selected span whose payloads were left out). */
export function useSpan(projectId: string, spanId: string | null, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.span(projectId, spanId ?? ''),
    queryFn: ({ signal }) => getSpan(projectId, spanId!, signal),
    enabled: enabled && !!spanId,
    staleTime: 60_000,
  });
}
