import { useEffect, useMemo, useRef } from 'react';
import { flattenSpanTree, timelineLength } from '../spanTree';
import type { TraceDetail } from '../../../api/types';
import { SpanDetail } from './SpanDetail';
import { Waterfall } from './Waterfall';

interface TraceViewProps {
  trace: TraceDetail;
  /** Requested selection (e.g. from the URL); falls back to the first root span. */
  selectedSpanId: string | null;
  onSelectSpan: (spanId: string) => void;
}

/** Two-pane layout: waterfall on the left, details of the selected span on the right. */
export function TraceView({ trace, selectedSpanId, onSelectSpan }: TraceViewProps) {
  const spans = useMemo(() => trace.spans ?? [], [trace.spans]);
  const nodes = useMemo(() => flattenSpanTree(spans), [spans]);
  const totalMs = useMemo(() => timelineLength(trace.duration_ms, spans), [trace.duration_ms, spans]);
  const spanIds = useMemo(() => new Set(spans.map((s) => s.span_id)), [spans]);

  const selectedNode = nodes.find((n) => n.span.span_id === selectedSpanId) ?? nodes[0];
  const selected = selectedNode?.span;

  const detailRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    detailRef.current?.scrollTo?.({ top: 0 });
  }, [selected?.span_id]);

  return (
    <div className="trace-panes">
      <section className="pane pane-waterfall" aria-label="Span waterfall">
        <Waterfall
          nodes={nodes}
          totalMs={totalMs}
          selectedSpanId={selected?.span_id ?? null}
          onSelect={onSelectSpan}
        />
      </section>
      <section className="pane pane-detail" aria-label="Span details" ref={detailRef}>
        {selected ? (
          <SpanDetail
            key={selected.span_id}
            span={selected}
            onSelectSpan={onSelectSpan}
            parentInTrace={!!selected.parent_span_id && spanIds.has(selected.parent_span_id)}
          />
        ) : (
          <div className="state state-empty">
            <div className="state-message">Select a span to see its details.</div>
          </div>
        )}
      </section>
    </div>
  );
}
