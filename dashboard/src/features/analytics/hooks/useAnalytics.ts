import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TimeRange } from '../../../components/charts/timeRange';
import {
  addPriceOverride,
  deletePriceOverride,
  getCost,
  getErrors,
  getLatency,
  getPrices,
  getTopTraces,
  type GroupBy,
  type LatencyBy,
  type PriceIn,
  type TopBy,
} from '../api';

const win = (range: TimeRange) => [range.since.getTime(), range.until.getTime()] as const;
const shared = { placeholderData: keepPreviousData, refetchInterval: 30_000 } as const;

export function useCost(projectId: string, range: TimeRange, groupBy: GroupBy) {
  return useQuery({
    queryKey: ['analytics', projectId, 'cost', ...win(range), groupBy],
    queryFn: ({ signal }) => getCost(projectId, range, groupBy, signal),
    ...shared,
  });
}

export function useLatency(projectId: string, range: TimeRange, by: LatencyBy) {
  return useQuery({
    queryKey: ['analytics', projectId, 'latency', ...win(range), by],
    queryFn: ({ signal }) => getLatency(projectId, range, by, signal),
    ...shared,
  });
}

export function useErrors(projectId: string, range: TimeRange) {
  return useQuery({
    queryKey: ['analytics', projectId, 'errors', ...win(range)],
    queryFn: ({ signal }) => getErrors(projectId, range, signal),
    ...shared,
  });
}

export function useTopTraces(projectId: string, range: TimeRange, by: TopBy) {
  return useQuery({
    queryKey: ['analytics', projectId, 'top', ...win(range), by],
    queryFn: ({ signal }) => getTopTraces(projectId, range, by, signal),
    ...shared,
  });
}

export function usePrices(projectId: string, range: TimeRange) {
  return useQuery({
    queryKey: ['analytics', projectId, 'prices', ...win(range)],
    queryFn: ({ signal }) => getPrices(projectId, range, signal),
    placeholderData: keepPreviousData,
  });
}

/** Adding or removing a price changes prices and the cost of new spans: every analytics answer is refetched. */
export function usePriceMutations(projectId: string) {
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: ['analytics', projectId] });
  const add = useMutation({ mutationFn: (body: PriceIn) => addPriceOverride(projectId, body), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (id: string) => deletePriceOverride(projectId, id), onSuccess: refresh });
  return { add, remove };
}
