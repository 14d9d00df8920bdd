import { useCallback, useEffect, useRef, useState } from 'react';
import type { LiveStatus } from '../types';

/** Reconnection delays: 1, 2, 4 … 30 s (with a little jitter so many tabs do not reconnect in lockstep). */
export function backoffDelayMs(attempt: number): number {
  const base = Math.min(30, 2 ** Math.max(0, attempt)) * 1000;
  return Math.round(base * (0.9 + Math.random() * 0.2));
}

const CLIENT_PING_MS = 25_000;
/** Close codes that retrying cannot fix (the server refused this subscription). */
const FINAL_CODES = new Set([1008]);

export interface WebSocketOptions {
  /** The URL to open (built fresh on every (re)connect, e.g. to carry the latest resume cursor; it may be looked up
   * first, e.g. the live replica's own port); null: stay closed. */
  url: () => string | null | Promise<string | null>;
  /** Each parsed JSON frame from the server. */
  onFrame: (frame: Record<string, unknown>) => void;
  /** A key that, when it changes, closes the socket and opens a new one (e.g. the project). */
  connectionKey: string;
  /** A socket to `url` closed before it ever opened (unreachable, refused): the next `url()` may pick another;
   * return true to try that at once (no backoff). */
  onNeverOpened?: (url: string) => boolean | void;
}

export interface WebSocketHandle {
  status: LiveStatus;
  /** Why the socket is offline or reconnecting (the server's close reason), if known. */
  reason: string | null;
  /** Seconds until the next reconnection attempt, while reconnecting. */
  retryInS: number | null;
  paused: boolean;
  pause: () => void;
  resume: () => void;
  send: (message: Record<string, unknown>) => void;
}

/**
 * A WebSocket that stays connected: reconnects with backoff (1, 2, 4 … 30 s), answers the server's pings
 * and pings it every 25 s, can be paused (closed on purpose) and resumed. A close with 1008 (refused)
 * stops retrying until the connection key changes or `resume` is called.
 */
export function useWebSocket({ url, onFrame, connectionKey, onNeverOpened }: WebSocketOptions): WebSocketHandle {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [reason, setReason] = useState<string | null>(null);
  const [retryInS, setRetryInS] = useState<number | null>(null);
  const [paused, setPaused] = useState(false);
  const [generation, setGeneration] = useState(0);
  const socketRef = useRef<WebSocket | null>(null);
  const urlRef = useRef(url);
  const onFrameRef = useRef(onFrame);
  const onNeverOpenedRef = useRef(onNeverOpened);
  useEffect(() => {
    urlRef.current = url;
    onFrameRef.current = onFrame;
    onNeverOpenedRef.current = onNeverOpened;
  });

  useEffect(() => {
    if (paused) return undefined;
    let attempt = 0;
    let stopped = false;
    let retryTimer: number | undefined;
    let pingTimer: number | undefined;

    const retry = (why: string | null) => {
      const delay = backoffDelayMs(attempt);
      attempt += 1;
      setStatus('reconnecting');
      setReason(why);
      setRetryInS(Math.round(delay / 1000));
      retryTimer = window.setTimeout(open, delay);
    };

    const connect = (target: string) => {
      const ws = new WebSocket(target);
      let opened = false;
      socketRef.current = ws;
      ws.onopen = () => {
        opened = true;
        attempt = 0;
        setStatus('live');
        setReason(null);
        setRetryInS(null);
        pingTimer = window.setInterval(() => {
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'ping' }));
        }, CLIENT_PING_MS);
      };
      ws.onmessage = (event: MessageEvent<string>) => {
        let frame: Record<string, unknown>;
        try {
          frame = JSON.parse(event.data) as Record<string, unknown>;
        } catch {
          return;
        }
        if (frame.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
        onFrameRef.current(frame);
      };
      ws.onclose = (event: CloseEvent) => {
        window.clearInterval(pingTimer);
        if (socketRef.current === ws) socketRef.current = null;
        if (stopped) return;
        if (!opened && onNeverOpenedRef.current?.(target) === true) {
          open(); // another URL to try: not a failure of the feed
          return;
        }
        if (FINAL_CODES.has(event.code)) {
          setStatus('offline');
          setReason(event.reason || 'the server refused the live feed');
          return;
        }
        retry(event.reason || null);
      };
    };

    const open = () => {
      if (stopped) return;
      Promise.resolve()
        .then(() => urlRef.current())
        .then(
          (target) => {
            if (target !== null && !stopped) connect(target);
          },
          () => {
            if (!stopped) retry('could not find the live feed');
          },
        );
    };

    open();
    return () => {
      stopped = true;
      window.clearTimeout(retryTimer);
      window.clearInterval(pingTimer);
      socketRef.current?.close(1000, 'closed by the page');
      socketRef.current = null;
    };
  }, [connectionKey, paused, generation]);

  const pause = useCallback(() => setPaused(true), []);
  const resume = useCallback(() => {
    setStatus('connecting');
    setPaused(false);
    setGeneration((g) => g + 1);
  }, []);
  const send = useCallback((message: Record<string, unknown>) => {
    const ws = socketRef.current;
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
  }, []);

  // another connection key (e.g. project): connecting again until the new socket opens
  const [forKey, setForKey] = useState(connectionKey);
  if (forKey !== connectionKey) {
    setForKey(connectionKey);
    setStatus('connecting');
  }
  return { status: paused ? 'paused' : status, reason, retryInS, paused, pause, resume, send };
}
