/**
 * The agent graph of a trace: agents, tools and LLM calls (by model) as nodes; "called" relations as edges
 * with their count and total time. Other spans (chains, plain spans) are see-through: their children are
 * attributed to the nearest shown ancestor. Built in O(n) from the flattened tree.
 */

import type { Span } from '../../api/types';
import type { SpanNode } from './spanTree';
import { spanModel } from './traceStats';

export interface GraphNode {
  key: string;
  kind: string;
  label: string;
  spanIds: string[];
  totalMs: number;
  errors: number;
  /** Column (0 = entry). */
  layer: number;
  /** Row inside the column. */
  row: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  count: number;
  totalMs: number;
}

export interface AgentGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  layers: number;
}

function toolName(span: Span): string {
  const a = span.attributes ?? {};
  const name = a['gen_ai.tool.name'] ?? a['tool.name'];
  return typeof name === 'string' && name ? name : span.name;
}

/** The graph node a span belongs to, or null when the span is see-through. */
function nodeOf(span: Span, isRoot: boolean): { key: string; kind: string; label: string } | null {
  switch (span.kind) {
    case 'agent':
      return { key: `agent:${span.name}`, kind: 'agent', label: span.name || 'agent' };
    case 'tool':
      return { key: `tool:${toolName(span)}`, kind: 'tool', label: toolName(span) };
    case 'llm': {
      const model = spanModel(span) ?? span.name;
      return { key: `llm:${model}`, kind: 'llm', label: model };
    }
    default:
      return isRoot ? { key: `${span.kind}:${span.name}`, kind: span.kind, label: span.name || span.kind } : null;
  }
}

export function buildAgentGraph(nodes: SpanNode[]): AgentGraph {
  const graphNodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  // For each span (by flattened index): the graph node key it reports to (itself, or its nearest shown ancestor).
  const owner: (string | null)[] = new Array(nodes.length).fill(null);

  for (const node of nodes) {
    const { span } = node;
    const parentOwner = node.parentIndex >= 0 ? owner[node.parentIndex] : null;
    const own = nodeOf(span, node.parentIndex < 0 || parentOwner === null);
    if (!own) {
      owner[node.index] = parentOwner;
      continue;
    }
    owner[node.index] = own.key;
    let g = graphNodes.get(own.key);
    if (!g) {
      g = { ...own, spanIds: [], totalMs: 0, errors: 0, layer: 0, row: 0 };
      graphNodes.set(own.key, g);
    }
    g.spanIds.push(span.span_id);
    g.totalMs += span.duration_ms || 0;
    if (span.status === 'ERROR') g.errors += 1;
    if (parentOwner && parentOwner !== own.key) {
      const id = `${parentOwner}→${own.key}`;
      const e = edges.get(id) ?? { from: parentOwner, to: own.key, count: 0, totalMs: 0 };
      e.count += 1;
      e.totalMs += span.duration_ms || 0;
      edges.set(id, e);
    }
  }

  // Layers: shortest distance from an entry node (a node nobody calls), by BFS over the edges.
  const outgoing = new Map<string, string[]>();
  const incoming = new Map<string, number>();
  for (const e of edges.values()) {
    outgoing.set(e.from, [...(outgoing.get(e.from) ?? []), e.to]);
    incoming.set(e.to, (incoming.get(e.to) ?? 0) + 1);
  }
  const layerOf = new Map<string, number>();
  const queue: string[] = [];
  for (const key of graphNodes.keys()) {
    if (!incoming.get(key)) {
      layerOf.set(key, 0);
      queue.push(key);
    }
  }
  if (!queue.length && graphNodes.size) {
    const first = graphNodes.keys().next().value as string;
    layerOf.set(first, 0);
    queue.push(first);
  }
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i];
    for (const next of outgoing.get(key) ?? []) {
      if (!layerOf.has(next)) {
        layerOf.set(next, layerOf.get(key)! + 1);
        queue.push(next);
      }
    }
  }
  const rows = new Map<number, number>();
  let layers = 0;
  for (const g of graphNodes.values()) {
    g.layer = layerOf.get(g.key) ?? 0;
    g.row = rows.get(g.layer) ?? 0;
    rows.set(g.layer, g.row + 1);
    layers = Math.max(layers, g.layer + 1);
  }
  return { nodes: [...graphNodes.values()], edges: [...edges.values()], layers };
}
