import { useEffect, useRef } from 'react';
import type { LiveFilters, LiveMessage } from '../types';
import { useLiveFeed } from './useLiveFeed';

export interface LiveRefreshOptions {
  projectId: string;
  /** Whether a message changes what the page shows (e.g. an alert, or a trace's new spans). */
  relevant: (message: LiveMessage) => boolean;
  /** Reloads what the page shows (e.g. invalidates its TanStack Query keys). */
  refresh: () => void;
  /** At most one refresh per this many ms: the first relevant batch refreshes at once, later ones coalesce. */
  minIntervalMs: number;
  /**
   * One more refresh this long after the last relevant message: for numbers the pipeline finishes after the
   * message was sent (a span's cost is priced by another pool after the span is stored). 0: none.
   */
  settleMs?: number;
  filters?: LiveFilters;
}

/**
 * Keeps a page's numbers following the project's live feed: relevant messages refresh the page, throttled to
 * `minIntervalMs` (leading and trailing edge, so the last message is never left out), and a `reset` from the
 * server (this tab fell too far behind) refreshes it too. Returns the feed, whose `status` tells the page
 * whether to poll as a fallback (anything but `live`).
 */
export function useLiveRefresh({ projectId, relevant, refresh, minIntervalMs, settleMs = 0, filters }: LiveRefreshOptions) {
  const last = useRef(0);
  const pending = useRef<number | undefined>(undefined);
  const settle = useRef<number | undefined>(undefined);
  const latest = useRef({ relevant, refresh, minIntervalMs, settleMs });
  useEffect(() => {
    latest.current = { relevant, refresh, minIntervalMs, settleMs };
  });
  useEffect(
    () => () => {
      window.clearTimeout(pending.current);
      window.clearTimeout(settle.current);
    },
    [],
  );

  const throttled = useRef(() => {
    if (pending.current !== undefined) return; // a trailing refresh is already due: it will show this too
    const run = () => {
      pending.current = undefined;
      last.current = Date.now();
      latest.current.refresh();
    };
    const wait = last.current + latest.current.minIntervalMs - Date.now();
    if (wait <= 0) run();
    else pending.current = window.setTimeout(run, wait);
  });

  return useLiveFeed({
    projectId,
    filters,
    onMessages: (messages) => {
      if (!messages.some((m) => latest.current.relevant(m))) return;
      throttled.current();
      if (latest.current.settleMs > 0) {
        window.clearTimeout(settle.current);
        settle.current = window.setTimeout(() => {
          settle.current = undefined;
          throttled.current();
        }, latest.current.settleMs);
      }
    },
    onReset: () => throttled.current(),
  });
}
