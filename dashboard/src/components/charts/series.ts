/** Turning the API's long series (one row per time bucket and key) into chart points (one per bucket). */

import type { TimePoint } from './TimeSeriesChart';

export const BUCKET_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Bucket start times covering [start, end), aligned as the server aligns them (multiples of the bucket size). */
export function bucketTimes(startIso: string, endIso: string, bucket: string): number[] {
  const size = BUCKET_MS[bucket] ?? 60_000;
  const first = Math.floor(new Date(startIso).getTime() / size) * size;
  const end = new Date(endIso).getTime();
  const times: number[] = [];
  for (let t = first; t < end && times.length < 5000; t += size) times.push(t);
  return times;
}

export interface PivotOptions<R> {
  rows: readonly R[];
  time: (row: R) => string;
  key: (row: R) => string;
  value: (row: R) => number;
  /** Bucket start times to emit (from bucketTimes); buckets without rows get 0 when `fill` is true. */
  times: readonly number[];
  /** Keys to keep as their own series; the others are summed into `otherKey` (when given). */
  keep?: ReadonlySet<string>;
  otherKey?: string;
  fill: boolean;
}

/** One point per bucket with a value per key (summed when several rows fall on the same key and bucket). */
export function pivot<R>({ rows, time, key, value, times, keep, otherKey, fill }: PivotOptions<R>): TimePoint[] {
  const byTime = new Map<number, TimePoint>();
  for (const t of times) byTime.set(t, { t } as TimePoint);
  for (const row of rows) {
    const t = new Date(time(row)).getTime();
    let name = key(row);
    if (keep && !keep.has(name)) {
      if (!otherKey) continue;
      name = otherKey;
    }
    const point = byTime.get(t) ?? ({ t } as TimePoint);
    point[name] = (point[name] ?? 0) + value(row);
    byTime.set(t, point);
  }
  const points = [...byTime.values()].sort((a, b) => a.t - b.t);
  if (fill) {
    const names = new Set<string>();
    for (const row of rows) names.add(keep && !keep.has(key(row)) ? (otherKey ?? '') : key(row));
    names.delete('');
    for (const point of points) for (const name of names) point[name] ??= 0;
  }
  return points;
}
