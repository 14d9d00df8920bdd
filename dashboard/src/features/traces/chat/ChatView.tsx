import type { Span } from '../../../api/types';
import { Folded } from '../../../components/Folded';
import { Markdown } from '../../../components/Markdown';
import { formatDuration } from '../../../lib/format';
import type { ChatMessage, Conversation, MessagePart, ToolDefinition } from './messages';
import { linkEarlierToolCalls, linkToolCalls, type ToolSpanIndex } from './toolLinks';
import './chat.css';

interface ChatViewProps {
  conversation: Conversation;
  span: Span;
  toolIndex: ToolSpanIndex;
  onSelectSpan?: (spanId: string) => void;
}

function json(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}

function lineCount(text: string): number {
  let n = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function CodeValue({ value }: { value: unknown }) {
  const text = json(value);
  return (
    <Folded length={text.length} lines={lineCount(text)} maxLines={14}>
      <pre className="code-block chat-code">{text}</pre>
    </Folded>
  );
}

function ToolCallCard({
  part,
  linked,
  onSelectSpan,
}: {
  part: Extract<MessagePart, { type: 'tool_call' }>;
  linked: Span | null;
  onSelectSpan?: (spanId: string) => void;
}) {
  return (
    <div className="chat-tool-call" data-testid="chat-tool-call" data-tool-name={part.name}>
      <div className="chat-tool-head">
        <span className="chat-tool-label">Tool call</span>
        <span className="mono chat-tool-name">{part.name}</span>
        {part.id ? <span className="muted small mono">{part.id}</span> : null}
        {linked && onSelectSpan ? (
          <button
            type="button"
            className="link-button chat-tool-link"
            data-testid="chat-tool-link"
            data-span-id={linked.span_id}
            onClick={() => onSelectSpan(linked.span_id)}
            title="Show the span that ran this call"
          >
            → ran in “{linked.name}” ({formatDuration(linked.duration_ms)})
          </button>
        ) : (
          <span className="muted small">no tool span in this trace</span>
        )}
      </div>
      {part.arguments !== null && part.arguments !== undefined && part.arguments !== '' ? (
        <CodeValue value={part.arguments} />
      ) : null}
    </div>
  );
}

function PartView({
  part,
  linked,
  onSelectSpan,
}: {
  part: MessagePart;
  linked: Span | null;
  onSelectSpan?: (spanId: string) => void;
}) {
  switch (part.type) {
    case 'text':
      return (
        <Folded length={part.text.length} lines={lineCount(part.text)}>
          <Markdown text={part.text} />
        </Folded>
      );
    case 'reasoning':
      return (
        <details className="chat-reasoning">
          <summary>Reasoning ({part.text.length.toLocaleString()} characters)</summary>
          <Markdown text={part.text} />
        </details>
      );
    case 'tool_call':
      return <ToolCallCard part={part} linked={linked} onSelectSpan={onSelectSpan} />;
    case 'tool_result':
      return (
        <div className="chat-tool-result" data-testid="chat-tool-result">
          <div className="chat-tool-head">
            <span className="chat-tool-label">Tool result</span>
            {part.id ? <span className="muted small mono">{part.id}</span> : null}
          </div>
          {typeof part.content === 'string' ? (
            <Folded length={part.content.length} lines={lineCount(part.content)}>
              <Markdown text={part.content} />
            </Folded>
          ) : (
            <CodeValue value={part.content} />
          )}
        </div>
      );
    default:
      return <CodeValue value={part.value} />;
  }
}

function MessageBlock({
  message,
  links,
  onSelectSpan,
}: {
  message: ChatMessage;
  links: Map<MessagePart, Span | null>;
  onSelectSpan?: (spanId: string) => void;
}) {
  const role = message.role || 'unknown';
  const known = ['system', 'user', 'assistant', 'tool', 'developer'].includes(role) ? role : 'other';
  return (
    <div className={`chat-message role-${known}`} data-testid="chat-message" data-role={role}>
      <div className="chat-role">
        {role}
        {message.name ? <span className="muted"> · {message.name}</span> : null}
        {message.finishReason ? <span className="chat-finish muted small">finish: {message.finishReason}</span> : null}
      </div>
      <div className="chat-parts">
        {message.parts.length === 0 ? <span className="muted small">(empty)</span> : null}
        {message.parts.map((part, i) => (
          <PartView key={i} part={part} linked={links.get(part) ?? null} onSelectSpan={onSelectSpan} />
        ))}
      </div>
    </div>
  );
}

function ToolDefinitions({ tools }: { tools: ToolDefinition[] }) {
  return (
    <details className="chat-tools" data-testid="chat-tool-definitions">
      <summary>
        Tools offered to the model <span className="muted">({tools.length})</span>:{' '}
        <span className="mono small">{tools.map((t) => t.name).join(', ')}</span>
      </summary>
      <ul className="chat-tool-list">
        {tools.map((tool) => (
          <li key={tool.name} data-testid="chat-tool-definition">
            <div>
              <span className="mono chat-tool-name">{tool.name}</span>
              {tool.description ? <span className="muted"> — {tool.description}</span> : null}
            </div>
            {tool.parameters !== undefined ? <CodeValue value={tool.parameters} /> : null}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** An LLM span read as a conversation: the prompt's messages, then the model's answer. */
export function ChatView({ conversation, span, toolIndex, onSelectSpan }: ChatViewProps) {
  const callsIn = (messages: ChatMessage[]) =>
    messages.flatMap((m) => m.parts.filter((p): p is Extract<MessagePart, { type: 'tool_call' }> => p.type === 'tool_call'));
  const outputCalls = callsIn(conversation.output);
  const inputCalls = callsIn(conversation.input);
  const linkedOut = linkToolCalls(outputCalls, span, toolIndex);
  const linkedIn = linkEarlierToolCalls(inputCalls, span, toolIndex);
  const links = new Map<MessagePart, Span | null>([
    ...outputCalls.map((c, i): [MessagePart, Span | null] => [c, linkedOut[i]]),
    ...inputCalls.map((c, i): [MessagePart, Span | null] => [c, linkedIn[i]]),
  ]);
  return (
    <div className="chat" data-testid="chat-view">
      {conversation.tools.length ? <ToolDefinitions tools={conversation.tools} /> : null}
      {conversation.input.map((m, i) => (
        <MessageBlock key={`in-${i}`} message={m} links={links} onSelectSpan={onSelectSpan} />
      ))}
      {conversation.output.length ? (
        <div className="chat-divider">
          <span>Response</span>
        </div>
      ) : null}
      {conversation.output.map((m, i) => (
        <MessageBlock key={`out-${i}`} message={m} links={links} onSelectSpan={onSelectSpan} />
      ))}
      <div className="muted small chat-source">Read from {conversation.source}.</div>
    </div>
  );
}
