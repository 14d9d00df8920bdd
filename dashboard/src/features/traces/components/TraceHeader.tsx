import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { formatDateTimeMs, formatDuration, formatNumber, formatRelative } from '../../../lib/format';
import type { TraceSummary } from '../../../api/types';
import { CopyButton } from '../../../components/CopyButton';
import { StatusBadge } from '../../../components/StatusBadge';

interface TraceHeaderProps {
  trace: TraceSummary;
  /** The trace list this trace belongs to. */
  backHref: string;
  actions?: ReactNode;
}

export function TraceHeader({ trace, backHref, actions }: TraceHeaderProps) {
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
      </dl>
    </div>
  );
}
