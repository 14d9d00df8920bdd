/** Display formatting helpers (durations, timestamps, ids, payloads). */

/** Parses an ISO-8601 timestamp; tolerates >3 fractional digits (e.g. microseconds). */
export function parseTimestamp(iso: string | null | undefined): Date | null {
  if (!iso) return null;
  const normalized = iso.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(normalized);
  return Number.isNaN(date.getTime()) ? null : date;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local date-time, e.g. `2026-11-21 23:30:01`. */
export function formatDateTime(iso: string | null | undefined): string {
  const d = parseTimestamp(iso);
  if (!d) return iso || '—';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(
    d.getMinutes(),
  )}:${pad(d.getSeconds())}`;
}

/** Local date-time with milliseconds, e.g. `2026-11-21 23:30:01.123`. */
export function formatDateTimeMs(iso: string | null | undefined): string {
  const d = parseTimestamp(iso);
  if (!d) return iso || '—';
  return `${formatDateTime(iso)}.${pad(d.getMilliseconds(), 3)}`;
}

/** Relative time such as `12s ago`, `5m ago`. */
export function formatRelative(iso: string | null | undefined, now: number = Date.now()): string {
  const d = parseTimestamp(iso);
  if (!d) return '';
  const seconds = Math.round((now - d.getTime()) / 1000);
  if (seconds < 0) return 'just now';
  if (seconds < 60) return `${seconds}s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

/** Human duration: `0.42 ms`, `12.3 ms`, `456 ms`, `1.23 s`, `2m 05s`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 1) return `${ms.toFixed(2)} ms`;
  if (abs < 10) return `${ms.toFixed(1)} ms`;
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  if (minutes < 60) return `${minutes}m ${pad(seconds)}s`;
  return `${Math.floor(minutes / 60)}h ${pad(minutes % 60)}m`;
}

/** First `length` characters of an id (trace ids are 32 hex, span ids 16 hex). */
export function shortId(id: string | null | undefined, length = 8): string {
  if (!id) return '—';
  return id.length > length ? id.slice(0, length) : id;
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat().format(n);
}

/**
 * Pretty-prints a payload: JSON is re-indented, a JSON string literal is
 * shown unquoted, anything else is shown verbatim.
 */
export function formatPayload(value: unknown): { text: string; isJson: boolean } {
  if (value === null || value === undefined) return { text: '', isJson: false };
  if (typeof value !== 'string') return { text: JSON.stringify(value, null, 2) ?? String(value), isJson: true };
  const trimmed = value.trim();
  if (!trimmed) return { text: '', isJson: false };
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === 'string') return { text: parsed, isJson: false };
    return { text: JSON.stringify(parsed, null, 2), isJson: true };
  } catch {
    return { text: value, isJson: false };
  }
}

/** Attribute value as display text. */
export function formatAttributeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

export function pluralize(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatNumber(n)} ${n === 1 ? singular : plural}`;
}
