import { useState } from 'react';
import { Link } from 'react-router-dom';
import type { TraceSummary } from '../../../api/types';
import { Folded } from '../../../components/Folded';
import { Markdown } from '../../../components/Markdown';
import { StatusBadge } from '../../../components/StatusBadge';
import { formatDateTimeMs, formatDuration, formatNumber } from '../../../lib/format';
import { traceHref } from '../../../lib/routes';
import { useTrace } from '../../traces/hooks/useTraces';
import { turnText } from '../turnText';

interface TurnCardProps {
  projectId: string;
  turn: TraceSummary;
  index: number;
}

function Bubble({ role, text, testId }: { role: 'user' | 'assistant'; text: string | null; testId: string }) {
  return (
    <div className={`turn-bubble turn-${role}`} data-testid={testId}>
      <div className="turn-role">{role === 'user' ? 'User' : 'Agent'}</div>
      {text ? (
        <Folded length={text.length} lines={text.split('\n').length}>
          <Markdown text={text} />
        </Folded>
      ) : (
        <span className="muted small">Not recorded</span>
      )}
    </div>
  );
}

/** The full input and output of a turn (the root span's payloads; previews are cut at 200 characters). */
function FullTurn({ projectId, traceId }: { projectId: string; traceId: string }) {
  const { data, error, isPending } = useTrace(projectId, traceId);
  if (isPending) return <div className="muted small">Loading the full turn…</div>;
  if (error || !data) return <div className="text-error small">Could not load the turn: {error?.message}</div>;
  const root = data.spans.find((s) => !s.parent_span_id) ?? data.spans[0];
  return (
    <>
      <Bubble role="user" text={turnText(root?.input, 'input')} testId="turn-input" />
      <Bubble role="assistant" text={turnText(root?.output, 'output')} testId="turn-output" />
    </>
  );
}

/** One trace of a session as a conversation turn: what the user said, what the agent answered. */
export function TurnCard({ projectId, turn, index }: TurnCardProps) {
  const [full, setFull] = useState(false);
  const truncated = (turn.input_preview?.length ?? 0) >= 200 || (turn.output_preview?.length ?? 0) >= 200;
  return (
    <article className="turn" data-testid="session-turn" data-trace-id={turn.trace_id}>
      <header className="turn-head">
        <span className="turn-index">Turn {index + 1}</span>
        <Link to={traceHref(projectId, turn.trace_id)} className="turn-name" data-testid="turn-trace-link">
          {turn.name || '(unnamed)'}
        </Link>
        <StatusBadge status={turn.status} />
        <span className="muted small turn-meta">
          {formatDateTimeMs(turn.start_time)} · {formatDuration(turn.duration_ms)} · {formatNumber(turn.span_count)} spans
          {turn.total_tokens ? ` · ${formatNumber(turn.total_tokens)} tokens` : ''}
          {turn.cost_usd ? ` · $${turn.cost_usd.toFixed(4)}` : ''}
          {turn.alert_count ? ` · ${turn.alert_count} alerts` : ''}
        </span>
      </header>
      {full ? (
        <FullTurn projectId={projectId} traceId={turn.trace_id} />
      ) : (
        <>
          <Bubble role="user" text={turnText(turn.input_preview, 'input')} testId="turn-input" />
          <Bubble role="assistant" text={turnText(turn.output_preview, 'output')} testId="turn-output" />
          {truncated ? (
            <button type="button" className="link-button small" onClick={() => setFull(true)} data-testid="turn-expand">
              Show the full turn
            </button>
          ) : null}
        </>
      )}
    </article>
  );
}
