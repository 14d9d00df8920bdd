import { useMemo, useState } from 'react';
import { TimeSeriesChart } from '../../../components/charts/TimeSeriesChart';
import { bucketTimes, pivot } from '../../../components/charts/series';
import { formatDuration } from '../../../lib/format';
import type { LatencyBy, LatencyReport } from '../api';

const PERCENTILES = [
  { key: 'p50', label: 'p50', color: '#34d399', value: (p: LatencyReport['series'][number]) => p.p50_ms },
  { key: 'p95', label: 'p95', color: '#f59e0b', value: (p: LatencyReport['series'][number]) => p.p95_ms },
  { key: 'p99', label: 'p99', color: '#ef4444', value: (p: LatencyReport['series'][number]) => p.p99_ms },
];

interface LatencyChartProps {
  report: LatencyReport;
  start: string;
  end: string;
  by: LatencyBy;
  onBy: (by: LatencyBy) => void;
  onZoom: (fromMs: number, toMs: number) => void;
  csvPrefix: string;
}

/** p50/p95/p99 span duration over time for one span kind or model (the busiest one first). */
export function LatencyChart({ report, start, end, by, onBy, onZoom, csvPrefix }: LatencyChartProps) {
  const keys = useMemo(() => {
    const spans = new Map<string, number>();
    for (const p of report.series) spans.set(p.key, (spans.get(p.key) ?? 0) + p.spans);
    return [...spans.entries()].sort((a, b) => b[1] - a[1]).map(([key]) => key);
  }, [report]);
  const [chosen, setChosen] = useState<string | null>(null);
  const key = chosen !== null && keys.includes(chosen) ? chosen : (keys[0] ?? '');

  const points = useMemo(() => {
    const times = bucketTimes(start, end, report.bucket);
    const rows = report.series.filter((p) => p.key === key);
    const parts = PERCENTILES.map((pc) => pivot({ rows, time: (p) => p.time, key: () => pc.key, value: pc.value, times, fill: false }));
    return parts[0].map((pt, i) => ({ ...pt, ...parts[1][i], ...parts[2][i] })).filter((pt) => pt.p50 !== undefined);
  }, [report, key, start, end]);

  const controls = (
    <>
      <select className="input input-small chart-select" aria-label="Latency by" value={by} onChange={(e) => onBy(e.target.value as LatencyBy)}
        data-testid="latency-by">
        <option value="kind">by span kind</option>
        <option value="model">by model</option>
      </select>
      <select className="input input-small chart-select" aria-label="Latency of" value={key} onChange={(e) => setChosen(e.target.value)}
        disabled={keys.length === 0} data-testid="latency-key">
        {keys.map((k) => (
          <option key={k} value={k}>
            {k || '(none)'}
          </option>
        ))}
      </select>
    </>
  );
  return (
    <TimeSeriesChart title={`Latency percentiles${key ? ` · ${key}` : ''}`} data={points} series={PERCENTILES} kind="line"
      formatValue={formatDuration} onZoom={onZoom} csvName={`${csvPrefix}-latency-${key || 'all'}`} testId="chart-latency"
      controls={controls} />
  );
}
