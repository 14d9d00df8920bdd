import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';
import { Link } from 'react-router-dom';
import { KindBadge } from '../../../components/KindBadge';
import { StatusBadge } from '../../../components/StatusBadge';
import { formatDuration, shortId } from '../../../lib/format';
import { traceHref } from '../../../lib/routes';
import type { LiveSpan } from '../types';

const ROW_HEIGHT = 36;

function clock(ns: number): string {
  const d = new Date(ns / 1e6);
  return d.toLocaleTimeString(undefined, { hour12: false }) + '.' + String(d.getMilliseconds()).padStart(3, '0');
}

/** Spans as they arrive, newest first; only the rows in view are rendered (the list is capped upstream). */
export function LiveSpanList({ projectId, spans }: { projectId: string; spans: LiveSpan[] }) {
  const parentRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Virtual's API is what the style guide asks for
  const virtualizer = useVirtualizer({
    count: spans.length,
    getScrollElement: () => parentRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
    getItemKey: (index) => `${spans[index].trace_id}:${spans[index].span_id}`,
  });
  return (
    <div className="live-list" ref={parentRef} data-testid="live-span-list">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => {
          const span = spans[row.index];
          return (
            <div
              key={row.key}
              className="live-row"
              data-testid="live-span-row"
              data-span-id={span.span_id}
              style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${row.start}px)` }}
            >
              <span className="live-time">{clock(span.end_time)}</span>
              <KindBadge kind={span.kind} />
              <Link className="live-name" to={traceHref(projectId, span.trace_id, span.span_id)} title={span.name}>
                {span.name}
              </Link>
              <span className="live-trace mono" title={span.trace_id}>
                {shortId(span.trace_id)}
              </span>
              <span className="live-model">{span.model ?? ''}</span>
              <span className="live-tokens">
                {span.input_tokens !== undefined ? `${span.input_tokens}→${span.output_tokens ?? 0} tok` : ''}
              </span>
              <span className="live-duration">{formatDuration((span.end_time - span.start_time) / 1e6)}</span>
              <StatusBadge status={span.status} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
