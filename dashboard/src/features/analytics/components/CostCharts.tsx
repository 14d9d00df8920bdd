import { useMemo } from 'react';
import { TimeSeriesChart } from '../../../components/charts/TimeSeriesChart';
import { formatCompact, formatUsd } from '../../../components/charts/format';
import { bucketTimes, pivot } from '../../../components/charts/series';
import { GROUP_BY_LABELS, type CostReport } from '../api';

/** Series beyond this many groups are summed into "other", so the stack stays readable. */
const MAX_GROUPS = 8;
const OTHER = 'other';

type CostPoint = CostReport['series'][number];

/** Token kinds that add up to all tokens (input counts cache reads/writes, output counts reasoning). */
const TOKEN_PARTS: { key: string; label: string; value: (p: CostPoint) => number }[] = [
  { key: 'input', label: 'input (uncached)', value: (p) => Math.max(0, p.input_tokens - p.cache_read_tokens - p.cache_write_tokens) },
  { key: 'cache_read', label: 'cache read', value: (p) => p.cache_read_tokens },
  { key: 'cache_write', label: 'cache write', value: (p) => p.cache_write_tokens },
  { key: 'output', label: 'output', value: (p) => Math.max(0, p.output_tokens - p.reasoning_tokens) },
  { key: 'reasoning', label: 'reasoning', value: (p) => p.reasoning_tokens },
];

interface CostChartsProps {
  report: CostReport;
  onZoom: (fromMs: number, toMs: number) => void;
  csvPrefix: string;
}

/** Cost over time stacked by the chosen dimension, and tokens over time stacked by kind. */
export function CostCharts({ report, onZoom, csvPrefix }: CostChartsProps) {
  const { cost, costSeries, tokens } = useMemo(() => {
    const times = bucketTimes(report.start, report.end, report.bucket);
    const top = report.groups.slice(0, MAX_GROUPS).map((g) => g.key);
    const keep = new Set(top);
    const hasOther = report.groups.length > MAX_GROUPS;
    const label = (key: string) => key || `(no ${GROUP_BY_LABELS[report.group_by].toLowerCase()})`;
    const costPoints = pivot({
      rows: report.series, time: (p) => p.time, key: (p) => p.key, value: (p) => p.cost_usd, times, keep,
      otherKey: hasOther ? OTHER : undefined, fill: true,
    });
    const series = [...top, ...(hasOther ? [OTHER] : [])].map((key) => ({ key, label: key === OTHER ? 'other' : label(key) }));
    const tokenPoints = TOKEN_PARTS.reduce(
      (points, part) => {
        const partPoints = pivot({ rows: report.series, time: (p) => p.time, key: () => part.key, value: part.value, times, fill: true });
        return points.length === 0 ? partPoints : points.map((pt, i) => ({ ...pt, [part.key]: partPoints[i]?.[part.key] ?? 0 }));
      },
      [] as ReturnType<typeof pivot>,
    );
    return { cost: costPoints, costSeries: series, tokens: tokenPoints };
  }, [report]);

  const groupName = GROUP_BY_LABELS[report.group_by].toLowerCase();
  const any = report.series.length > 0;
  return (
    <>
      <div className="chart-wide">
        <TimeSeriesChart title={`Cost over time by ${groupName}`} data={any ? cost : []} series={costSeries} kind="stacked-area"
          formatValue={formatUsd} onZoom={onZoom} csvName={`${csvPrefix}-cost-by-${report.group_by}`} height={260}
          testId="chart-cost" emptyText="No LLM calls in this time range" />
      </div>
      <TimeSeriesChart title="Tokens over time" data={any ? tokens : []} series={TOKEN_PARTS.map(({ key, label }) => ({ key, label }))}
        kind="stacked-area" formatValue={formatCompact} onZoom={onZoom} csvName={`${csvPrefix}-tokens`} testId="chart-tokens"
        emptyText="No LLM calls in this time range" />
    </>
  );
}
