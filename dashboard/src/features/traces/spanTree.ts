/**
 * Builds the span hierarchy of a trace and flattens it in depth-first order, in O(n log n) for the one sort
 * by start time and O(n) for everything else (20,000-span traces must stay instant: no per-node ancestor
 * arrays, no repeated scans).
 */

import type { Span } from '../../api/types';

export interface SpanNode {
  span: Span;
  /** Position in the depth-first order. */
  index: number;
  depth: number;
  /** Index of the parent node in the flattened list, or -1 for a root. */
  parentIndex: number;
  childCount: number;
  /** Number of nodes in this span's subtree, itself included (its descendants follow it contiguously). */
  subtreeSize: number;
}

function byStart(a: Span, b: Span): number {
  if (a.offset_ms !== b.offset_ms) return a.offset_ms - b.offset_ms;
  return a.start_time < b.start_time ? -1 : a.start_time > b.start_time ? 1 : 0;
}

/**
 * Spans whose parent is null or absent from the trace are roots. Children are ordered by start time.
 * Robust to duplicate ids and parent cycles: every span appears exactly once.
 */
export function flattenSpanTree(spans: Span[]): SpanNode[] {
  const sorted = [...spans].sort(byStart);
  const ids = new Set<string>();
  for (const s of sorted) ids.add(s.span_id);
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
    // Iterative DFS so very deep traces cannot overflow the stack.
    const stack: { span: Span; depth: number; parentIndex: number }[] = [{ span: root, depth: 0, parentIndex: -1 }];
    while (stack.length) {
      const { span, depth, parentIndex } = stack.pop()!;
      if (visited.has(span)) continue;
      visited.add(span);
      const kids = children.get(span.span_id) ?? [];
      const index = out.length;
      out.push({ span, index, depth, parentIndex, childCount: 0, subtreeSize: 1 });
      if (parentIndex >= 0) out[parentIndex].childCount += 1;
      for (let i = kids.length - 1; i >= 0; i--) {
        if (!visited.has(kids[i])) stack.push({ span: kids[i], depth: depth + 1, parentIndex: index });
      }
    }
  };

  for (const root of roots) visit(root);
  // Spans only reachable through a cycle: show them as roots.
  for (const span of sorted) if (!visited.has(span)) visit(span);

  // Subtree sizes: children come after their parent, so one backwards pass adds each size to its parent.
  for (let i = out.length - 1; i >= 0; i--) {
    const p = out[i].parentIndex;
    if (p >= 0) out[p].subtreeSize += out[i].subtreeSize;
  }
  return out;
}

/**
 * The nodes shown when the spans in `collapsed` have their subtrees hidden. Works on any depth-first
 * subsequence of the tree (e.g. a filtered one): after a collapsed node, deeper nodes are skipped. O(n).
 */
export function visibleNodes(nodes: SpanNode[], collapsed: ReadonlySet<string>): SpanNode[] {
  if (collapsed.size === 0) return nodes;
  const out: SpanNode[] = [];
  let hideDeeperThan = Infinity;
  for (const node of nodes) {
    if (node.depth > hideDeeperThan) continue;
    hideDeeperThan = collapsed.has(node.span.span_id) ? node.depth : Infinity;
    out.push(node);
  }
  return out;
}

/**
 * Nodes matching `keep`, with their ancestors so the tree still reads as a tree (O(n · depth of matches),
 * and each ancestor is marked once).
 */
export function filterNodes(nodes: SpanNode[], keep: (node: SpanNode) => boolean): SpanNode[] {
  const shown = new Uint8Array(nodes.length);
  for (const node of nodes) {
    if (!keep(node)) continue;
    let i = node.index;
    while (i >= 0 && !shown[i]) {
      shown[i] = 1;
      i = nodes[i].parentIndex;
    }
  }
  return nodes.filter((n) => shown[n.index]);
}

/** Total timeline length: the trace duration, extended to cover every span. */
export function timelineLength(traceDurationMs: number, spans: Span[]): number {
  let end = Number.isFinite(traceDurationMs) ? traceDurationMs : 0;
  for (const s of spans) end = Math.max(end, (s.offset_ms || 0) + (s.duration_ms || 0));
  return end > 0 ? end : 1;
}
