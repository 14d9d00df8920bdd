import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ApiError, toApiError } from './api';
import { useAuth } from './auth';

export interface ApiResource<T> {
  /** Last successfully loaded data for the current deps. */
  data: T | undefined;
  /** Error of the last attempt (kept alongside stale data on a failed refresh). */
  error: ApiError | undefined;
  /** True while the first load for the current deps is in flight. */
  loading: boolean;
  /** True while a reload of already-loaded data is in flight. */
  refreshing: boolean;
  reload: () => void;
}

interface State<T> {
  key: string;
  data?: T;
  error?: ApiError;
  inFlight: boolean;
}

/**
 * Loads data with `load` whenever `deps` change; `reload()` refetches keeping
 * the current data on screen. With `refreshIntervalMs`, reloads that long after
 * each completed load (skipped while the tab is hidden). 401 responses are
 * reported to the auth context, which shows the API key form.
 */
export function useApiResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  options: { refreshIntervalMs?: number } = {},
): ApiResource<T> {
  const { reportUnauthorized } = useAuth();
  const key = JSON.stringify(deps);
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load; // before the loading effect below runs
  });

  const [state, setState] = useState<State<T>>({ key, inFlight: true });
  const [tick, setTick] = useState(0);
  // A reload marks the data in flight here; new deps need no mark (`current` below starts them in flight).
  const reload = useCallback(() => {
    setState((s) => ({ ...s, inFlight: true }));
    setTick((t) => t + 1);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data, inFlight: false });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const error = toApiError(err);
        if (error.isUnauthorized) reportUnauthorized(error.message);
        setState((s) => ({ key, data: s.key === key ? s.data : undefined, error, inFlight: false }));
      },
    );
    return () => controller.abort();
  }, [key, tick, reportUnauthorized]);

  const current = state.key === key ? state : ({ key, inFlight: true } as State<T>);
  const interval = options.refreshIntervalMs;

  useEffect(() => {
    if (!interval || current.inFlight) return;
    let timer = 0;
    const poll = () => {
      if (document.hidden) {
        timer = window.setTimeout(poll, interval);
        return;
      }
      reload();
    };
    timer = window.setTimeout(poll, interval);
    return () => window.clearTimeout(timer);
  }, [interval, current.inFlight, key, reload]);

  return {
    data: current.data,
    error: current.error,
    loading: current.inFlight && current.data === undefined,
    refreshing: current.inFlight && current.data !== undefined,
    reload,
  };
}
