import { Area, AreaChart, ResponsiveContainer, YAxis } from 'recharts';

interface SparklineProps {
  values: readonly number[];
  color?: string;
  height?: number;
  label: string;
}

/** A tiny trend line for a metric card (no axes; the card shows the number). */
export function Sparkline({ values, color = 'var(--accent)', height = 36, label }: SparklineProps) {
  if (values.length < 2) return <div className="sparkline sparkline-empty" style={{ height }} aria-hidden="true" />;
  const data = values.map((v, i) => ({ i, v }));
  return (
    <div className="sparkline" style={{ height }} role="img" aria-label={`${label} trend`}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 2, right: 0, bottom: 2, left: 0 }}>
          <YAxis hide domain={['dataMin', 'dataMax']} />
          <Area dataKey="v" type="monotone" stroke={color} fill={color} fillOpacity={0.15} strokeWidth={1.5}
            isAnimationActive={false} dot={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
