/** Builds the span hierarchy of a trace and flattens it in depth-first order. */

import type { Span } from '../../api/types';

export interface SpanNode {
  span: Span;
  depth: number;
  /** Ids of all ancestors, root first. */
  ancestorIds: string[];
  childCount: number;
}

function byStart(a: Span, b: Span): number {
  if (a.offset_ms !== b.offset_ms) return a.offset_ms - b.offset_ms;
  return a.start_time < b.start_time ? -1 : a.start_time > b.start_time ? 1 : 0;
}

/**
 * Spans whose parent is null or absent from the trace are roots. Children are
 * ordered by start time. Robust to duplicate ids and parent cycles: every span
 * appears exactly once.
 */
export function flattenSpanTree(spans: Span[]): SpanNode[] {
  const sorted = [...spans].sort(byStart);
  const ids = new Set(sorted.map((s) => s.span_id));
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];

  for (const span of sorted) {
    const parent = span.parent_span_id;
    if (parent && parent !== span.span_id && ids.has(parent)) {
      const list = children.get(parent);
      if (list) list.push(span);
      else children.set(parent, [span]);
    } else {
      roots.push(span);
    }
  }

  const out: SpanNode[] = [];
  const visited = new Set<Span>();

  const visit = (root: Span) => {
    // Iterative DFS to survive very deep traces.
    const stack: { span: Span; depth: number; ancestors: string[] }[] = [{ span: root, depth: 0, ancestors: [] }];
    while (stack.length) {
      const { span, depth, ancestors } = stack.pop()!;
      if (visited.has(span)) continue;
      visited.add(span);
      const kids = (children.get(span.span_id) ?? []).filter((k) => !visited.has(k));
      out.push({ span, depth, ancestorIds: ancestors, childCount: kids.length });
      const nextAncestors = [...ancestors, span.span_id];
      for (let i = kids.length - 1; i >= 0; i--) {
        stack.push({ span: kids[i], depth: depth + 1, ancestors: nextAncestors });
      }
    }
  };

  for (const root of roots) visit(root);
  // Spans only reachable through a cycle: show them as roots.
  for (const span of sorted) if (!visited.has(span)) visit(span);
  return out;
}

/** Total timeline length: the trace duration, extended to cover every span. */
export function timelineLength(traceDurationMs: number, spans: Span[]): number {
  let end = Number.isFinite(traceDurationMs) ? traceDurationMs : 0;
  for (const s of spans) end = Math.max(end, (s.offset_ms || 0) + (s.duration_ms || 0));
  return end > 0 ? end : 1;
}
