import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { visibleNodes, type SpanNode } from '../spanTree';
import { EmptyState } from '../../../components/EmptyState';
import { TimeAxis } from './TimeAxis';
import { WaterfallRow } from './WaterfallRow';

interface WaterfallProps {
  /** All spans of the trace in depth-first order (see flattenSpanTree). */
  allNodes: SpanNode[];
  /** The nodes to show (all, or a filtered depth-first subsequence with ancestors kept). */
  nodes: SpanNode[];
  /** Length of the timeline in ms (trace duration). */
  totalMs: number;
  selectedSpanId: string | null;
  onSelect: (spanId: string) => void;
  /** Spans matching the current search/filter (highlighted); null when no filter is active. */
  matches?: ReadonlySet<string> | null;
}

const ROW_PX = 32;

/**
 * The span tree as a timeline. Virtualised: only the rows in view (plus a few) are in the DOM, so a
 * 20,000-span trace scrolls like a 20-span one.
 */
export function Waterfall({ allNodes, nodes, totalMs, selectedSpanId, onSelect, matches = null }: WaterfallProps) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowRefs = useRef(new Map<string, HTMLDivElement>());
  const focusPending = useRef(false);

  const visible = useMemo(() => visibleNodes(nodes, collapsed), [nodes, collapsed]);
  const indexById = useMemo(() => {
    const m = new Map<string, number>();
    visible.forEach((n, i) => m.set(n.span.span_id, i));
    return m;
  }, [visible]);

  // The virtualizer's functions are only called here, never handed to memoised children.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_PX,
    overscan: 12,
    getItemKey: (i) => visible[i].span.span_id,
  });

  // Keep the selected row in view; move focus to it after keyboard navigation.
  useEffect(() => {
    if (!selectedSpanId) return;
    const idx = indexById.get(selectedSpanId);
    if (idx === undefined) return;
    virtualizer.scrollToIndex(idx, { align: 'auto' });
    if (!focusPending.current) return;
    focusPending.current = false;
    const frame = requestAnimationFrame(() => rowRefs.current.get(selectedSpanId)?.focus({ preventScroll: true }));
    return () => cancelAnimationFrame(frame);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- scroll only when the selection changes
  }, [selectedSpanId]);

  const setExpanded = (spanId: string, expanded: boolean) => {
    setCollapsed((prev) => {
      if (expanded === !prev.has(spanId)) return prev;
      const next = new Set(prev);
      if (expanded) next.delete(spanId);
      else next.add(spanId);
      return next;
    });
    if (!expanded && selectedSpanId) {
      // Collapsing an ancestor of the selection selects the collapsed span.
      const sel = allNodes.find((n) => n.span.span_id === selectedSpanId);
      for (let p = sel ? sel.parentIndex : -1; p >= 0; p = allNodes[p].parentIndex) {
        if (allNodes[p].span.span_id === spanId) {
          onSelect(spanId);
          break;
        }
      }
    }
  };

  const toggle = (spanId: string) => setExpanded(spanId, collapsed.has(spanId));

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!visible.length) return;
    const idx = selectedSpanId ? (indexById.get(selectedSpanId) ?? -1) : -1;
    const current = idx >= 0 ? visible[idx] : undefined;
    const select = (node: SpanNode | undefined) => {
      if (!node) return;
      focusPending.current = true;
      onSelect(node.span.span_id);
    };
    switch (e.key) {
      case 'ArrowDown':
        select(visible[Math.min(visible.length - 1, idx + 1)]);
        break;
      case 'ArrowUp':
        select(visible[Math.max(0, idx - 1)]);
        break;
      case 'Home':
        select(visible[0]);
        break;
      case 'End':
        select(visible[visible.length - 1]);
        break;
      case 'PageDown':
        select(visible[Math.min(visible.length - 1, idx + 20)]);
        break;
      case 'PageUp':
        select(visible[Math.max(0, idx - 20)]);
        break;
      case 'ArrowRight':
        if (current && current.childCount > 0) {
          if (collapsed.has(current.span.span_id)) setExpanded(current.span.span_id, true);
          else select(visible[idx + 1]);
        }
        break;
      case 'ArrowLeft':
        if (current) {
          if (current.childCount > 0 && !collapsed.has(current.span.span_id)) {
            setExpanded(current.span.span_id, false);
          } else if (current.parentIndex >= 0) {
            select(allNodes[current.parentIndex]);
          }
        }
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div className="waterfall" data-testid="waterfall" data-rows={visible.length}>
      <div className="wf-scroll" ref={scrollRef} data-testid="waterfall-scroll">
        <TimeAxis totalMs={totalMs} />
        {visible.length === 0 ? (
          <EmptyState title="No spans">
            {allNodes.length ? 'No span matches the search and filters.' : 'This trace has no spans.'}
          </EmptyState>
        ) : (
          <div
            className="wf-body"
            role="tree"
            aria-label="Spans"
            onKeyDown={onKeyDown}
            style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
          >
            {virtualizer.getVirtualItems().map((item) => {
              const node = visible[item.index];
              const id = node.span.span_id;
              return (
                <WaterfallRow
                  key={item.key}
                  ref={(el) => {
                    if (el) rowRefs.current.set(id, el);
                    else rowRefs.current.delete(id);
                  }}
                  style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${item.start}px)` }}
                  node={node}
                  totalMs={totalMs}
                  selected={id === selectedSpanId}
                  collapsed={collapsed.has(id)}
                  dimmed={matches !== null && !matches.has(id)}
                  onSelect={onSelect}
                  onToggle={toggle}
                />
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}
