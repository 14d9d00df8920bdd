import { useCallback, useState } from 'react';
import type { LiveAlert, LiveFilters, LiveMessage, LiveSpan, LiveTraceUpdate } from '../types';
import { useLiveFeed, type LiveFeed } from './useLiveFeed';

/** A trace as the live feed has seen it so far (its counts grow as spans arrive). */
export interface LiveTrace {
  trace_id: string;
  spans: number;
  errors: number;
  start_time: number;
  end_time: number;
  cost_usd: number;
  tokens: number;
  root_name: string | null;
  service_name: string | null;
  status: string | null;
  first_seen: number; // ms, this tab's clock
}

export interface LiveState {
  spans: LiveSpan[]; // newest first, capped
  traces: LiveTrace[]; // most recently updated first, capped
  alerts: LiveAlert[]; // newest first, capped
}

export const DEFAULT_CAPS = { spans: 2000, traces: 500, alerts: 500 };
const EMPTY: LiveState = { spans: [], traces: [], alerts: [] };

function mergeTrace(previous: LiveTrace | undefined, update: LiveTraceUpdate): LiveTrace {
  return {
    trace_id: update.trace_id,
    spans: (previous?.spans ?? 0) + update.new_spans,
    errors: (previous?.errors ?? 0) + update.new_errors,
    start_time: Math.min(previous?.start_time ?? update.start_time, update.start_time),
    end_time: Math.max(previous?.end_time ?? update.end_time, update.end_time),
    cost_usd: (previous?.cost_usd ?? 0) + update.cost_usd,
    tokens: (previous?.tokens ?? 0) + update.tokens,
    root_name: update.root_name ?? previous?.root_name ?? null,
    service_name: update.service_name ?? previous?.service_name ?? null,
    status: update.status ?? previous?.status ?? null,
    first_seen: previous?.first_seen ?? Date.now(),
  };
}

/** Fold one batch of messages into the state (pure: exported for tests and other views). */
export function applyMessages(state: LiveState, messages: LiveMessage[], caps = DEFAULT_CAPS): LiveState {
  const spans: LiveSpan[] = [];
  const alerts: LiveAlert[] = [];
  const updates = new Map<string, LiveTrace>();
  const known = new Map(state.traces.map((t) => [t.trace_id, t]));
  for (const message of messages) {
    if (message.type === 'span') spans.push(message);
    else if (message.type === 'alert') alerts.push(message);
    else if (message.type === 'trace') {
      const merged = mergeTrace(updates.get(message.trace_id) ?? known.get(message.trace_id), message);
      updates.set(message.trace_id, merged);
    }
  }
  if (!spans.length && !alerts.length && !updates.size) return state;
  const traces = [...updates.values()].reverse();
  return {
    spans: spans.length ? [...spans.reverse(), ...state.spans].slice(0, caps.spans) : state.spans,
    alerts: alerts.length ? [...alerts.reverse(), ...state.alerts].slice(0, caps.alerts) : state.alerts,
    traces: updates.size
      ? [...traces, ...state.traces.filter((t) => !updates.has(t.trace_id))].slice(0, caps.traces)
      : state.traces,
  };
}

export interface LiveStore extends LiveState {
  feed: LiveFeed;
  clear: () => void;
}

/** Spans, traces and alerts of a project as they arrive over one socket (see useLiveFeed). */
export function useLiveStore(projectId: string, filters: LiveFilters = {}, caps = DEFAULT_CAPS): LiveStore {
  const [state, setState] = useState<LiveState>(EMPTY);
  const [forProject, setForProject] = useState(projectId);
  if (forProject !== projectId) {
    setForProject(projectId);
    setState(EMPTY);
  }
  const onMessages = useCallback(
    (messages: LiveMessage[]) => setState((s) => applyMessages(s, messages, caps)),
    [caps],
  );
  const feed = useLiveFeed({ projectId, filters, onMessages });
  const clear = useCallback(() => setState(EMPTY), []);
  return { ...state, feed, clear };
}

/** Spans of the project (optionally one trace) as they are written, newest first. */
export function useLiveSpans(projectId: string, traceId?: string) {
  const { spans, feed, clear } = useLiveStore(projectId, traceId ? { trace_id: traceId } : {});
  return { spans, feed, clear };
}

/** Traces of the project as their spans are written, most recently updated first. */
export function useLiveTraces(projectId: string) {
  const { traces, feed, clear } = useLiveStore(projectId);
  return { traces, feed, clear };
}

/** Security alerts of the project as they are raised (optionally of some severities), newest first. */
export function useLiveAlerts(projectId: string, severities?: string[]) {
  const { alerts, feed, clear } = useLiveStore(projectId, severities?.length ? { severities } : {});
  return { alerts, feed, clear };
}
