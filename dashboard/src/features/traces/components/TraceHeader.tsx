import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { formatDateTimeMs, formatDuration, formatNumber, formatRelative } from '../../../lib/format';
import type { TraceSummary } from '../../../api/types';
import type { TraceStats } from '../traceStats';
import { CopyButton } from '../../../components/CopyButton';
import { StatusBadge } from '../../../components/StatusBadge';

interface TraceHeaderProps {
  trace: TraceSummary;
  /** The trace list this trace belongs to. */
  backHref: string;
  actions?: ReactNode;
  /** Totals over the trace's spans (tokens, cost, models, alerts), when its spans are loaded. */
  stats?: TraceStats;
}

function costText(costUsd: number, unpriced: boolean): string {
  if (costUsd > 0) return `$${costUsd < 0.01 ? costUsd.toFixed(5) : costUsd.toFixed(4)}`;
  return unpriced ? 'unpriced' : '—';
}

export function TraceHeader({ trace, backHref, actions, stats }: TraceHeaderProps) {
  return (
    <div className="trace-header" data-testid="trace-header">
      <div className="trace-header-top">
        <Link to={backHref} className="back-link" data-testid="back-to-traces">
          ← Traces
        </Link>
        {actions ? <div className="trace-header-actions">{actions}</div> : null}
      </div>
      <div className="trace-title-row">
        <h1 className="trace-title" data-testid="trace-name">
          {trace.name || '(unnamed trace)'}
        </h1>
        <StatusBadge status={trace.status} />
      </div>
      <dl className="trace-stats">
        <div className="stat">
          <dt>Trace ID</dt>
          <dd className="mono" data-testid="trace-id">
            {trace.trace_id} <CopyButton value={trace.trace_id} label="Copy trace id" />
          </dd>
        </div>
        <div className="stat">
          <dt>Service</dt>
          <dd>{trace.service_name || '—'}</dd>
        </div>
        <div className="stat">
          <dt>Started</dt>
          <dd title={trace.start_time}>
            {formatDateTimeMs(trace.start_time)} <span className="muted">({formatRelative(trace.start_time)})</span>
          </dd>
        </div>
        <div className="stat">
          <dt>Duration</dt>
          <dd className="mono" data-testid="trace-duration">
            {formatDuration(trace.duration_ms)}
          </dd>
        </div>
        <div className="stat">
          <dt>Spans</dt>
          <dd data-testid="trace-span-count">{formatNumber(trace.span_count)}</dd>
        </div>
        <div className="stat">
          <dt>Errors</dt>
          <dd className={trace.error_count > 0 ? 'text-error' : undefined}>{formatNumber(trace.error_count)}</dd>
        </div>
        <div className="stat">
          <dt>Tokens in / out</dt>
          <dd className="mono" data-testid="trace-tokens">
            {formatNumber(trace.input_tokens)} / {formatNumber(trace.output_tokens)}
          </dd>
        </div>
        <div className="stat">
          <dt>Cost</dt>
          <dd className="mono" data-testid="trace-cost" title={stats?.unpriced ? 'Some models have no known price' : undefined}>
            {costText(trace.cost_usd, !!stats?.unpriced)}
            {stats?.unpriced && trace.cost_usd > 0 ? <span className="muted"> + unpriced</span> : null}
          </dd>
        </div>
        {stats ? (
          <>
            <div className="stat">
              <dt>Models ({formatNumber(stats.llmCalls)} LLM calls)</dt>
              <dd className="trace-models" data-testid="trace-models">
                {trace.models.length ? (
                  trace.models.map((m) => (
                    <span key={m} className="model-chip">
                      {m}
                    </span>
                  ))
                ) : (
                  <span className="muted">—</span>
                )}
              </dd>
            </div>
            <div className="stat">
              <dt>Alerts</dt>
              <dd
                className={trace.alert_count ? 'text-error' : undefined}
                data-testid="trace-alerts"
                title={stats.alertRules.join(', ')}
              >
                {trace.alert_count
                  ? `${formatNumber(trace.alert_count)}${trace.max_severity ? ` (max ${trace.max_severity})` : ''}: ${stats.alertRules.join(', ')}`
                  : 'none'}
              </dd>
            </div>
          </>
        ) : null}
      </dl>
    </div>
  );
}
