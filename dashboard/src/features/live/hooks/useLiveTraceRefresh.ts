import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { queryKeys } from '../../../api/queryKeys';
import { useLiveFeed } from './useLiveFeed';

const MIN_INTERVAL_MS = 1000;

/**
 * Keeps an open trace view growing while its agent runs: each live span of `traceId` (they are published
 * only once stored) refreshes the trace's query, at most once a second. Spans whose parent has not arrived
 * yet show as roots until it does (spanTree re-parents them on the next refresh). Returns the feed.
 */
export function useLiveTraceRefresh(projectId: string, traceId: string) {
  const queryClient = useQueryClient();
  const last = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useLiveFeed({
    projectId,
    filters: { trace_id: traceId },
    onMessages: (messages) => {
      if (!messages.some((m) => m.type === 'span')) return;
      const refresh = () => {
        last.current = Date.now();
        timer.current = undefined;
        void queryClient.invalidateQueries({ queryKey: queryKeys.trace(projectId, traceId) });
      };
      const wait = last.current + MIN_INTERVAL_MS - Date.now();
      if (wait <= 0) refresh();
      else if (timer.current === undefined) timer.current = window.setTimeout(refresh, wait);
    },
  });
}
