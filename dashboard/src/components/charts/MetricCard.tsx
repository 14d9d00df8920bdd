import './charts.css';
import { Sparkline } from './Sparkline';

interface MetricCardProps {
  label: string;
  value: string;
  /** Relative change versus the previous period (0.12 = +12%), or null when there is nothing to compare. */
  change: number | null;
  /** Whether a rise is good (traces, cost neutral) or bad (errors, latency); colours the change. */
  higherIs: 'better' | 'worse' | 'neutral';
  trend: readonly number[];
  testId?: string;
}

function changeText(change: number | null): string {
  if (change === null || !Number.isFinite(change)) return 'no previous data';
  if (change === 0) return 'no change vs previous';
  const pct = change * 100;
  const rounded = Math.abs(pct) < 10 ? pct.toFixed(1) : Math.round(pct).toString();
  return `${pct > 0 ? '▲ +' : pct < 0 ? '▼ ' : ''}${rounded}% vs previous`;
}

/** One headline number with its change against the previous period and a sparkline. */
export function MetricCard({ label, value, change, higherIs, trend, testId }: MetricCardProps) {
  let tone = '';
  if (change !== null && Number.isFinite(change) && change !== 0 && higherIs !== 'neutral') {
    tone = (change > 0) === (higherIs === 'better') ? 'better' : 'worse';
  }
  return (
    <div className="metric-card" data-testid={testId}>
      <div className="metric-label">{label}</div>
      <div className="metric-value" data-testid={testId ? `${testId}-value` : undefined}>
        {value}
      </div>
      <div className={`metric-change ${tone}`}>{changeText(change)}</div>
      <Sparkline values={trend} label={label} />
    </div>
  );
}
