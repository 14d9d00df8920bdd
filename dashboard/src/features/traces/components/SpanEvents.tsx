import { formatAttributeValue, formatDateTimeMs, formatDuration, parseTimestamp } from '../../../lib/format';
import type { SpanEvent } from '../../../api/types';
import { AttributesTable } from '../../../components/AttributesTable';

interface SpanEventsProps {
  events: SpanEvent[];
  /** Span start (ISO), to show event times relative to it. */
  spanStartTime: string;
}

const EXCEPTION_KEYS = new Set(['exception.type', 'exception.message', 'exception.stacktrace', 'exception.escaped']);

function relativeMs(ts: string | null, start: string): number | null {
  if (!ts) return null;
  const a = parseTimestamp(ts);
  const b = parseTimestamp(start);
  return a && b ? a.getTime() - b.getTime() : null;
}

export function SpanEvents({ events, spanStartTime }: SpanEventsProps) {
  if (!events.length) {
    return (
      <div className="muted small" data-testid="span-events">
        No events
      </div>
    );
  }
  return (
    <ul className="event-list" data-testid="span-events">
      {events.map((ev, i) => {
        const attrs = ev.attributes;
        const isException = ev.name === 'exception' || 'exception.type' in attrs;
        const rel = relativeMs(ev.timestamp, spanStartTime);
        const otherAttrs = isException
          ? Object.fromEntries(Object.entries(attrs).filter(([k]) => !EXCEPTION_KEYS.has(k)))
          : attrs;
        const stacktrace = formatAttributeValue(attrs['exception.stacktrace']);
        return (
          <li key={i} className={`event${isException ? ' event-exception' : ''}`} data-testid="span-event">
            <div className="event-header">
              <span className="event-name">{ev.name}</span>
              {ev.timestamp ? (
                <span className="muted small" title={formatDateTimeMs(ev.timestamp)}>
                  {rel !== null ? `+${formatDuration(rel)}` : formatDateTimeMs(ev.timestamp)}
                </span>
              ) : null}
            </div>
            {isException ? (
              <div className="exception">
                <div className="exception-title">
                  <span className="exception-type">{formatAttributeValue(attrs['exception.type']) || 'Exception'}</span>
                  {attrs['exception.message'] !== undefined ? (
                    <span className="exception-message">: {formatAttributeValue(attrs['exception.message'])}</span>
                  ) : null}
                </div>
                {stacktrace ? <pre className="code-block stacktrace">{stacktrace}</pre> : null}
              </div>
            ) : null}
            {Object.keys(otherAttrs).length ? <AttributesTable attributes={otherAttrs} /> : null}
          </li>
        );
      })}
    </ul>
  );
}
