import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { expandCompact } from '../compact';
import { liveEndpoint, liveUrl, pageEndpoint, type LiveEndpoint } from '../liveUrl';
import type { LiveFilters, LiveMessage } from '../types';
import { useWebSocket, type WebSocketHandle } from './useWebSocket';

export interface LiveFeedOptions {
  projectId: string;
  filters?: LiveFilters;
  /** Messages of each batch, in order. */
  onMessages: (messages: LiveMessage[]) => void;
  /** The server could not replay what was missed: reload what the page shows. */
  onReset?: () => void;
}

export interface LiveFeed extends WebSocketHandle {
  /** Messages the server dropped for this tab because it fell behind (since the last reset of the count). */
  dropped: number;
  /** Whether the server told us to refetch (reset) at least once. */
  resets: number;
}

/**
 * The project's live feed: one socket, resumed from the last cursor after a reconnect (nothing written
 * meanwhile is lost), filters changed in place with a `subscribe` message, TanStack Query caches of the
 * project's traces refreshed when the server says the tab fell too far behind.
 */
export function useLiveFeed({ projectId, filters = {}, onMessages, onReset }: LiveFeedOptions): LiveFeed {
  const queryClient = useQueryClient();
  const cursorRef = useRef<string | null>(null);
  const filtersRef = useRef(filters);
  const handlersRef = useRef({ onMessages, onReset });
  const [dropped, setDropped] = useState(0);
  const [resets, setResets] = useState(0);
  useEffect(() => {
    handlersRef.current = { onMessages, onReset };
  });

  const onFrame = useCallback(
    (frame: Record<string, unknown>) => {
      if (typeof frame.cursor === 'string') cursorRef.current = frame.cursor;
      if (frame.type === 'batch' && Array.isArray(frame.messages)) {
        const messages = expandCompact(frame.messages as LiveMessage[]);
        const lost = messages.reduce((n, m) => (m.type === 'dropped' ? n + m.count : n), 0);
        if (lost) setDropped((d) => d + lost);
        handlersRef.current.onMessages(messages);
      } else if (frame.type === 'reset') {
        setResets((r) => r + 1);
        void queryClient.invalidateQueries({ queryKey: ['traces', projectId] });
        handlersRef.current.onReset?.();
      }
    },
    [projectId, queryClient],
  );

  // The live replica's own port when it serves one (no proxy in the way); once a socket there never opened
  // (e.g. the replica's node is not reachable from this browser), this page's host from then on.
  const endpointRef = useRef<LiveEndpoint | null>(null);
  const directBroken = useRef(false);
  const filterKey = JSON.stringify(filters);
  const socket = useWebSocket({
    url: async () => {
      const endpoint = directBroken.current ? pageEndpoint() : await liveEndpoint();
      endpointRef.current = endpoint;
      return liveUrl(projectId, filtersRef.current, cursorRef.current, endpoint);
    },
    onFrame,
    connectionKey: projectId,
    onNeverOpened: () => {
      if (!endpointRef.current?.direct) return false;
      directBroken.current = true;
      return true; // straight on to the page's host
    },
  });

  // New filters: tell the open socket (no reconnect); a later reconnect carries them in its URL.
  const { send } = socket;
  useEffect(() => {
    const changed = JSON.stringify(filtersRef.current) !== filterKey;
    filtersRef.current = JSON.parse(filterKey) as LiveFilters;
    if (changed) send({ type: 'subscribe', ...filtersRef.current });
  }, [filterKey, send]);

  useEffect(() => {
    cursorRef.current = null; // another project: start from now
  }, [projectId]);

  return { ...socket, dropped, resets };
}
