import { formatNumber } from '../../../lib/format';
import type { Overview } from '../api';

const GROUP_LABELS: Record<string, string> = { writer: 'stored', security: 'scanned', cost: 'priced' };

/** Are my spans arriving and processed? Ingest rate of the last 5 minutes and what each consumer has yet to do. */
export function PipelinePanel({ pipeline }: { pipeline: Overview['pipeline'] }) {
  const backlog = Object.entries(pipeline.backlog);
  const behind = backlog.reduce((sum, [, n]) => sum + n, 0);
  let state: { text: string; tone: string };
  if (!pipeline.available) state = { text: 'Pipeline status unavailable (the bus did not answer)', tone: 'text-error' };
  else if (behind > 10_000) state = { text: 'Processing is behind', tone: 'text-error' };
  else if (pipeline.ingest_spans_per_s === 0 && behind === 0) state = { text: 'No spans in the last 5 minutes', tone: 'muted' };
  else state = { text: 'Spans are arriving and being processed', tone: 'text-ok' };
  return (
    <section className="insight-panel" data-testid="overview-pipeline">
      <h2>Ingest</h2>
      <div className="pipeline-rate">
        <span className="metric-value" data-testid="overview-ingest-rate">
          {pipeline.ingest_spans_per_s < 10 ? pipeline.ingest_spans_per_s.toFixed(2) : formatNumber(Math.round(pipeline.ingest_spans_per_s))}
        </span>
        <span className="muted"> spans/s (last 5 min)</span>
      </div>
      <p className={`small ${state.tone}`} data-testid="overview-pipeline-state">{state.text}</p>
      {backlog.length ? (
        <table className="kv-table small">
          <tbody>
            {backlog.map(([group, n]) => (
              <tr key={group}>
                <th>Waiting to be {GROUP_LABELS[group] ?? group}</th>
                <td className="num">{formatNumber(n)} spans</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
