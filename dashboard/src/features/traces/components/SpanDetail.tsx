import { useMemo, useState } from 'react';
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
import { ChatView } from '../chat/ChatView';
import { readConversation } from '../chat/messages';
import type { ToolSpanIndex } from '../chat/toolLinks';

interface SpanDetailProps {
  span: Span;
  /** Called with a span id when the parent link is clicked. */
  onSelectSpan?: (spanId: string) => void;
  /** Whether the parent span exists in this trace (makes the parent id clickable). */
  parentInTrace?: boolean;
  /** The trace's tool spans, to link the tool calls of an LLM span to the spans that ran them. */
  toolIndex?: ToolSpanIndex;
  /** The span's input/output are being fetched (large traces load them per span). */
  payloadsLoading?: boolean;
}

const EMPTY_INDEX: ToolSpanIndex = { spans: [], byCallId: new Map() };

/** Attributes that carry the conversation (shown in the raw view beside input/output). */
function conversationAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(attributes).filter(([k]) =>
      /^(gen_ai\.(input|output)\.messages|gen_ai\.system_instructions|gen_ai\.tool\.definitions|gen_ai\.(prompt|completion)\.\d|llm\.(input|output)_messages\.|llm\.tools\.|llm\.request\.functions\.)/.test(
        k,
      ),
    ),
  );
}

function Payloads({ span, loading = false }: { span: Span; loading?: boolean }) {
  if (loading) return <div className="muted small" data-testid="span-payloads-loading">Loading input and output…</div>;
  return (
    <>
      <DetailSection title="Input" testId="span-input-section">
        <PayloadBlock value={span.input} testId="span-input" />
      </DetailSection>
      <DetailSection title="Output" testId="span-output-section">
        <PayloadBlock value={span.output} testId="span-output" />
      </DetailSection>
    </>
  );
}

export function SpanDetail({
  span,
  onSelectSpan,
  parentInTrace = false,
  toolIndex = EMPTY_INDEX,
  payloadsLoading = false,
}: SpanDetailProps) {
  const attributes = span.attributes ?? {};
  const conversation = useMemo(() => readConversation(span), [span]);
  const [raw, setRaw] = useState(false);
  const events = span.events;
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

      {conversation ? (
        <DetailSection
          title="Conversation"
          meta={`${conversation.input.length + conversation.output.length} messages`}
          testId="span-conversation"
          actions={
            <span className="segmented" role="group" aria-label="Conversation view">
              <button type="button" className={raw ? '' : 'active'} onClick={() => setRaw(false)} data-testid="chat-mode">
                Chat
              </button>
              <button type="button" className={raw ? 'active' : ''} onClick={() => setRaw(true)} data-testid="raw-mode">
                Raw JSON
              </button>
            </span>
          }
        >
          {raw ? (
            <div data-testid="conversation-raw">
              <Payloads span={span} loading={payloadsLoading} />
              <AttributesTable attributes={conversationAttributes(attributes)} />
            </div>
          ) : (
            <ChatView conversation={conversation} span={span} toolIndex={toolIndex} onSelectSpan={onSelectSpan} />
          )}
        </DetailSection>
      ) : (
        <Payloads span={span} loading={payloadsLoading} />
      )}
      <DetailSection title="Attributes" meta={Object.keys(attributes).length}>
        <AttributesTable attributes={attributes} testId="span-attributes" />
      </DetailSection>
      <DetailSection title="Events" meta={events.length}>
        <SpanEvents events={events} spanStartTime={span.start_time} />
      </DetailSection>
    </article>
  );
}
