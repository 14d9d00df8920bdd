import { useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import { filterNodes, flattenSpanTree, timelineLength, type SpanNode } from '../spanTree';
import type { Span, TraceDetail } from '../../../api/types';
import { buildToolSpanIndex } from '../chat/toolLinks';
import { AgentGraphView } from './AgentGraphView';
import { SpanDetail } from './SpanDetail';
import { SpanFilterBar, type SpanFilters } from './SpanFilterBar';
import { Waterfall } from './Waterfall';
import '../traces.css';

export type TraceViewMode = 'timeline' | 'graph';

interface TraceViewProps {
  trace: TraceDetail;
  /** Requested selection (e.g. from the URL); falls back to the first root span. */
  selectedSpanId: string | null;
  onSelectSpan: (spanId: string) => void;
  mode: TraceViewMode;
  onModeChange: (mode: TraceViewMode) => void;
  /** The selected span with its full payloads, when fetched separately (lazy payloads). */
  selectedDetail?: Span | null;
  /** The selected span's payloads are being fetched. */
  selectedLoading?: boolean;
}

function spanMatches(span: Span, needle: string): boolean {
  if (span.name.toLowerCase().includes(needle)) return true;
  if (span.span_id.toLowerCase() === needle || span.kind.toLowerCase() === needle) return true;
  if (span.service_name?.toLowerCase().includes(needle)) return true;
  if (span.status_message?.toLowerCase().includes(needle)) return true;
  if (span.usage?.model?.toLowerCase().includes(needle)) return true;
  return !!(span.input?.toLowerCase().includes(needle) || span.output?.toLowerCase().includes(needle));
}

/** Two-pane layout: the span tree (timeline or agent graph) on the left, the selected span on the right. */
export function TraceView({
  trace,
  selectedSpanId,
  onSelectSpan,
  mode,
  onModeChange,
  selectedDetail,
  selectedLoading = false,
}: TraceViewProps) {
  const spans = useMemo(() => trace.spans ?? [], [trace.spans]);
  const nodes = useMemo(() => flattenSpanTree(spans), [spans]);
  const totalMs = useMemo(() => timelineLength(trace.duration_ms, spans), [trace.duration_ms, spans]);
  const spansById = useMemo(() => new Map(spans.map((s) => [s.span_id, s])), [spans]);
  const toolIndex = useMemo(() => buildToolSpanIndex(spans), [spans]);

  const [filters, setFilters] = useState<SpanFilters>({ search: '', errors: false, llm: false, flagged: false });
  const search = useDeferredValue(filters.search.trim().toLowerCase());
  const { errors, llm, flagged } = filters;
  const filtered = useMemo((): { shown: SpanNode[]; matches: Set<string> | null } => {
    if (!search && !errors && !llm && !flagged) return { shown: nodes, matches: null };
    const matches = new Set<string>();
    const shown = filterNodes(nodes, ({ span }) => {
      const ok =
        (!errors || span.status === 'ERROR') &&
        (!llm || span.kind === 'llm') &&
        (!flagged || (span.security_flags?.length ?? 0) > 0) &&
        (!search || spanMatches(span, search));
      if (ok) matches.add(span.span_id);
      return ok;
    });
    return { shown, matches };
  }, [nodes, search, errors, llm, flagged]);

  const selected = (selectedSpanId ? spansById.get(selectedSpanId) : undefined) ?? nodes[0]?.span;
  const shownSpan = selectedDetail && selected && selectedDetail.span_id === selected.span_id ? selectedDetail : selected;

  const detailRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    detailRef.current?.scrollTo?.({ top: 0 });
  }, [selected?.span_id]);

  return (
    <div className="trace-panes">
      <section className="pane pane-waterfall pane-tree" aria-label="Spans">
        <div className="tree-toolbar">
          <span className="segmented" role="tablist" aria-label="Trace view">
            <button
              type="button"
              role="tab"
              aria-selected={mode === 'timeline'}
              className={mode === 'timeline' ? 'active' : ''}
              onClick={() => onModeChange('timeline')}
              data-testid="view-timeline"
            >
              Timeline
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={mode === 'graph'}
              className={mode === 'graph' ? 'active' : ''}
              onClick={() => onModeChange('graph')}
              data-testid="view-graph"
            >
              Agent graph
            </button>
          </span>
          {mode === 'timeline' ? (
            <SpanFilterBar
              filters={filters}
              onChange={setFilters}
              matchCount={filtered.matches?.size ?? null}
              total={nodes.length}
            />
          ) : null}
        </div>
        {mode === 'timeline' ? (
          <Waterfall
            allNodes={nodes}
            nodes={filtered.shown}
            matches={filtered.matches}
            totalMs={totalMs}
            selectedSpanId={selected?.span_id ?? null}
            onSelect={onSelectSpan}
          />
        ) : (
          <div className="graph-scroll">
            <AgentGraphView nodes={nodes} spansById={spansById} onSelectSpan={onSelectSpan} />
          </div>
        )}
      </section>
      <section className="pane pane-detail" aria-label="Span details" ref={detailRef}>
        {shownSpan ? (
          <SpanDetail
            key={shownSpan.span_id}
            span={shownSpan}
            onSelectSpan={onSelectSpan}
            parentInTrace={!!shownSpan.parent_span_id && spansById.has(shownSpan.parent_span_id)}
            toolIndex={toolIndex}
            payloadsLoading={selectedLoading}
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
