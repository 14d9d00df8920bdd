import { formatDuration } from '../../../lib/format';

interface TimeAxisProps {
  totalMs: number;
  /** Number of intervals; `ticks + 1` labels are drawn. */
  ticks?: number;
}

export function TimeAxis({ totalMs, ticks = 4 }: TimeAxisProps) {
  const labels = Array.from({ length: ticks + 1 }, (_, i) => ({
    pct: (i / ticks) * 100,
    text: formatDuration((totalMs * i) / ticks),
  }));
  return (
    <div className="wf-axis" data-testid="time-axis" aria-hidden="true">
      <div className="wf-axis-label">Span</div>
      <div className="wf-axis-track">
        {labels.map((l, i) => (
          <span
            key={i}
            className={`wf-tick${i === 0 ? ' first' : ''}${i === ticks ? ' last' : ''}`}
            style={{ left: `${l.pct}%` }}
          >
            {l.text}
          </span>
        ))}
      </div>
    </div>
  );
}
