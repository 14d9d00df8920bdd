import { formatDateTimeMs, formatDuration } from '../../../lib/format';
import type { Span } from '../../../api/types';
import { AttributesTable } from '../../../components/AttributesTable';
import { CopyButton } from '../../../components/CopyButton';
import { DetailSection } from '../../../components/DetailSection';
import { KindBadge } from '../../../components/KindBadge';
import { PayloadBlock } from '../../../components/PayloadBlock';
import { SpanEvents } from './SpanEvents';
import { SpanHighlights } from './SpanHighlights';
import { StatusBadge } from '../../../components/StatusBadge';

interface SpanDetailProps {
  span: Span;
  /** Called with a span id when the parent link is clicked. */
  onSelectSpan?: (spanId: string) => void;
  /** Whether the parent span exists in this trace (makes the parent id clickable). */
  parentInTrace?: boolean;
}

export function SpanDetail({ span, onSelectSpan, parentInTrace = false }: SpanDetailProps) {
  const attributes = span.attributes ?? {};
  const events = span.events ?? [];
  const isError = span.status === 'ERROR';
  const flags = span.security_flags ?? [];

  return (
    <article className="span-detail" data-testid="span-detail" data-span-id={span.span_id}>
      <header className="span-detail-header">
        <div className="span-detail-badges">
          <KindBadge kind={span.kind} />
          <StatusBadge status={span.status} />
        </div>
        <h2 className="span-detail-title" data-testid="span-detail-name">
          {span.name || '(unnamed)'}
        </h2>
        {span.status_message ? (
          <div
            className={`alert ${isError ? 'alert-error' : 'alert-info'}`}
            data-testid="span-status-message"
            role={isError ? 'alert' : undefined}
          >
            {span.status_message}
          </div>
        ) : null}
        {flags.length ? (
          <div className="alert alert-error" data-testid="span-security-flags" role="alert">
            Security alerts on this span: {flags.join(', ')}
          </div>
        ) : null}
      </header>

      <dl className="meta-grid">
        <dt>Span ID</dt>
        <dd className="mono">
          {span.span_id} <CopyButton value={span.span_id} label="Copy span id" />
        </dd>
        <dt>Parent ID</dt>
        <dd className="mono">
          {span.parent_span_id ? (
            parentInTrace && onSelectSpan ? (
              <button type="button" className="link-button mono" onClick={() => onSelectSpan(span.parent_span_id!)}>
                {span.parent_span_id}
              </button>
            ) : (
              span.parent_span_id
            )
          ) : (
            <span className="muted">— (root)</span>
          )}
        </dd>
        <dt>Service</dt>
        <dd>{span.service_name || <span className="muted">—</span>}</dd>
        <dt>Start</dt>
        <dd title={span.start_time}>
          {formatDateTimeMs(span.start_time)} <span className="muted">(+{formatDuration(span.offset_ms)})</span>
        </dd>
        <dt>Duration</dt>
        <dd className="mono">{formatDuration(span.duration_ms)}</dd>
      </dl>

      <SpanHighlights attributes={attributes} usage={span.usage ?? null} />

      <DetailSection title="Input" testId="span-input-section">
        <PayloadBlock value={span.input} testId="span-input" />
      </DetailSection>
      <DetailSection title="Output" testId="span-output-section">
        <PayloadBlock value={span.output} testId="span-output" />
      </DetailSection>
      <DetailSection title="Attributes" meta={Object.keys(attributes).length}>
        <AttributesTable attributes={attributes} testId="span-attributes" />
      </DetailSection>
      <DetailSection title="Events" meta={events.length}>
        <SpanEvents events={events} spanStartTime={span.start_time} />
      </DetailSection>
    </article>
  );
}
