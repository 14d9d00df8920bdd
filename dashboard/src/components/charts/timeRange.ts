/**
 * The time window of the insight pages, kept in the URL: `?range=24h` (a preset ending now) or
 * `?from=…&to=…` (ISO times, set by zooming a chart), so a view can be shared and survives a reload.
 */

import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

export const RANGE_PRESETS = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const;
export type RangePreset = keyof typeof RANGE_PRESETS;
export const DEFAULT_PRESET: RangePreset = '24h';

export interface TimeRange {
  since: Date;
  until: Date;
  /** The preset in use, or null for a zoomed (absolute) window. */
  preset: RangePreset | null;
}

function isPreset(value: string | null): value is RangePreset {
  return value !== null && Object.hasOwn(RANGE_PRESETS, value);
}

function parseDate(raw: string | null): Date | null {
  if (!raw) return null;
  const date = new Date(raw);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** The window a URL names; presets end at the current minute, so query keys stay stable within a minute. */
export function rangeFromParams(params: URLSearchParams, nowMs: number = Date.now()): TimeRange {
  const from = parseDate(params.get('from'));
  const to = parseDate(params.get('to'));
  if (from && to && from < to) return { since: from, until: to, preset: null };
  const raw = params.get('range');
  const preset = isPreset(raw) ? raw : DEFAULT_PRESET;
  const until = Math.ceil(nowMs / 60_000) * 60_000;
  return { since: new Date(until - RANGE_PRESETS[preset]), until: new Date(until), preset };
}

/** The window before `range` of the same length (for "change vs previous period"). */
export function previousRange(range: TimeRange): TimeRange {
  const length = range.until.getTime() - range.since.getTime();
  return { since: new Date(range.since.getTime() - length), until: range.since, preset: null };
}

/** The current minute (epoch minutes), ticking while the page is open, so preset windows move with time. */
function useCurrentMinute(): number {
  const [minute, setMinute] = useState(() => Math.ceil(Date.now() / 60_000));
  useEffect(() => {
    const timer = window.setInterval(() => setMinute(Math.ceil(Date.now() / 60_000)), 15_000);
    return () => window.clearInterval(timer);
  }, []);
  return minute;
}

/** Current time window of the page plus setters that rewrite the URL (other parameters are kept). */
export function useTimeRange() {
  const [params, setParams] = useSearchParams();
  const minute = useCurrentMinute();
  const range = useMemo(() => rangeFromParams(params, minute * 60_000), [params, minute]);

  const setPreset = useCallback(
    (preset: RangePreset) =>
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        next.delete('from');
        next.delete('to');
        next.delete('cursor');
        if (preset === DEFAULT_PRESET) next.delete('range');
        else next.set('range', preset);
        return next;
      }),
    [setParams],
  );

  const zoomTo = useCallback(
    (fromMs: number, toMs: number) =>
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        next.set('from', new Date(Math.min(fromMs, toMs)).toISOString());
        next.set('to', new Date(Math.max(fromMs, toMs)).toISOString());
        next.delete('cursor');
        return next;
      }),
    [setParams],
  );

  return { range, setPreset, zoomTo };
}

/** A bucket giving a bar chart of the window between ~24 and ~200 bars (minute ≤ 3 h, hour ≤ 8 days, else day). */
export function barBucket(range: TimeRange): 'minute' | 'hour' | 'day' {
  const ms = range.until.getTime() - range.since.getTime();
  if (ms <= 3 * 3_600_000) return 'minute';
  return ms <= 8 * 86_400_000 ? 'hour' : 'day';
}

/** Query parameters of a window for the API. */
export function rangeParams(range: TimeRange): { since: string; until: string } {
  return { since: range.since.toISOString(), until: range.until.toISOString() };
}
