import { MetricCard } from '../../../components/charts/MetricCard';
import { formatCompact, formatPercent, formatUsd } from '../../../components/charts/format';
import { bucketTimes } from '../../../components/charts/series';
import { formatDuration, formatNumber } from '../../../lib/format';
import type { Overview } from '../api';

/** Relative change, or null when the previous period had nothing to compare with. */
function change(now: number, before: number): number | null {
  if (before === 0) return now === 0 ? 0 : null;
  return (now - before) / before;
}

/** The five headline numbers of the window, each against the previous period with its sparkline. */
export function OverviewCards({ data }: { data: Overview }) {
  const { cards, previous, sparklines } = data;
  const byTime = new Map(sparklines.map((p) => [new Date(p.time).getTime(), p]));
  const times = bucketTimes(data.start, data.end, data.bucket);
  type Point = Overview['sparklines'][number];
  /** Counts and cost are 0 in a bucket without traces; latency has no value there, so it is skipped. */
  const trend = (pick: (p: Point) => number, zeroWhenEmpty = true) =>
    times.flatMap((t) => {
      const point = byTime.get(t);
      if (point) return [pick(point)];
      return zeroWhenEmpty ? [0] : [];
    });
  return (
    <div className="metric-cards" data-testid="overview-cards">
      <MetricCard label="Traces" value={cards.traces >= 100_000 ? formatCompact(cards.traces) : formatNumber(cards.traces)}
        change={change(cards.traces, previous.traces)} higherIs="neutral" trend={trend((p) => p.traces)} testId="card-traces" />
      <MetricCard label="Error rate" value={formatPercent(cards.error_rate)} change={change(cards.error_rate, previous.error_rate)}
        higherIs="worse" trend={trend((p) => p.error_rate)} testId="card-error-rate" />
      <MetricCard label="Avg latency" value={formatDuration(cards.avg_latency_ms)}
        change={change(cards.avg_latency_ms, previous.avg_latency_ms)} higherIs="worse" trend={trend((p) => p.avg_latency_ms, false)}
        testId="card-avg-latency" />
      <MetricCard label="p95 latency" value={formatDuration(cards.p95_latency_ms)}
        change={change(cards.p95_latency_ms, previous.p95_latency_ms)} higherIs="worse" trend={trend((p) => p.p95_latency_ms, false)}
        testId="card-p95-latency" />
      <MetricCard label="Total cost" value={formatUsd(cards.cost_usd)} change={change(cards.cost_usd, previous.cost_usd)}
        higherIs="neutral" trend={trend((p) => p.cost_usd)} testId="card-cost" />
    </div>
  );
}
