import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { SpanNode } from '../spanTree';
import { EmptyState } from '../../../components/EmptyState';
import { TimeAxis } from './TimeAxis';
import { WaterfallRow } from './WaterfallRow';

interface WaterfallProps {
  /** Spans in depth-first order (see flattenSpanTree). */
  nodes: SpanNode[];
  /** Length of the timeline in ms (trace duration). */
  totalMs: number;
  selectedSpanId: string | null;
  onSelect: (spanId: string) => void;
}

export function Waterfall({ nodes, totalMs, selectedSpanId, onSelect }: WaterfallProps) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const rowRefs = useRef(new Map<string, HTMLDivElement>());
  const focusPending = useRef(false);

  const visible = useMemo(
    () => nodes.filter((n) => !n.ancestorIds.some((id) => collapsed.has(id))),
    [nodes, collapsed],
  );

  // Keep the selected row in view; move focus to it after keyboard navigation.
  useEffect(() => {
    if (!selectedSpanId) return;
    const el = rowRefs.current.get(selectedSpanId);
    if (!el) return;
    if (focusPending.current) {
      focusPending.current = false;
      el.focus({ preventScroll: true });
    }
    el.scrollIntoView?.({ block: 'nearest' });
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
      const sel = nodes.find((n) => n.span.span_id === selectedSpanId);
      if (sel?.ancestorIds.includes(spanId)) onSelect(spanId);
    }
  };

  const toggle = (spanId: string) => setExpanded(spanId, collapsed.has(spanId));

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (!visible.length) return;
    const idx = visible.findIndex((n) => n.span.span_id === selectedSpanId);
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
          } else {
            const parentId = current.ancestorIds[current.ancestorIds.length - 1];
            select(visible.find((n) => n.span.span_id === parentId));
          }
        }
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  return (
    <div className="waterfall" data-testid="waterfall">
      <TimeAxis totalMs={totalMs} />
      {nodes.length === 0 ? (
        <EmptyState title="No spans">This trace has no spans.</EmptyState>
      ) : (
        <div className="wf-body" role="tree" aria-label="Spans" onKeyDown={onKeyDown}>
          {visible.map((node) => (
            <WaterfallRow
              key={node.span.span_id}
              ref={(el) => {
                if (el) rowRefs.current.set(node.span.span_id, el);
                else rowRefs.current.delete(node.span.span_id);
              }}
              node={node}
              totalMs={totalMs}
              selected={node.span.span_id === selectedSpanId}
              collapsed={collapsed.has(node.span.span_id)}
              onSelect={onSelect}
              onToggle={toggle}
            />
          ))}
        </div>
      )}
    </div>
  );
}
