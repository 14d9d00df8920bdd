import { useMemo, useState } from 'react';
import type { Span } from '../../../api/types';
import { EmptyState } from '../../../components/EmptyState';
import { KindBadge } from '../../../components/KindBadge';
import { formatDuration, formatNumber, pluralize } from '../../../lib/format';
import { kindClass } from '../../../lib/kinds';
import { buildAgentGraph, type GraphNode } from '../agentGraph';
import type { SpanNode } from '../spanTree';

interface AgentGraphViewProps {
  nodes: SpanNode[];
  spansById: Map<string, Span>;
  onSelectSpan: (spanId: string) => void;
}

const NODE_W = 190;
const NODE_H = 50;
const COL_GAP = 110;
const ROW_GAP = 26;
const PAD = 20;
const MAX_LISTED = 200;

function position(n: GraphNode) {
  return { x: PAD + n.layer * (NODE_W + COL_GAP), y: PAD + n.row * (NODE_H + ROW_GAP) };
}

/** Agents, tools and models of a trace as a call graph; clicking a node lists its spans. */
export function AgentGraphView({ nodes, spansById, onSelectSpan }: AgentGraphViewProps) {
  const graph = useMemo(() => buildAgentGraph(nodes), [nodes]);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const byKey = useMemo(() => new Map(graph.nodes.map((n) => [n.key, n])), [graph]);
  const selected = selectedKey ? byKey.get(selectedKey) : undefined;

  if (!graph.nodes.length) return <EmptyState title="No graph">This trace has no spans.</EmptyState>;

  const maxRows = Math.max(...graph.nodes.map((n) => n.row + 1));
  const width = PAD * 2 + graph.layers * NODE_W + (graph.layers - 1) * COL_GAP;
  const height = PAD * 2 + maxRows * NODE_H + (maxRows - 1) * ROW_GAP;

  return (
    <div className="agent-graph" data-testid="agent-graph">
      <div className="agent-graph-canvas">
        <svg width={width} height={height} role="img" aria-label="Agent graph">
          <defs>
            <marker id="ag-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" className="ag-arrowhead" />
            </marker>
          </defs>
          {graph.edges.map((e) => {
            const a = byKey.get(e.from)!;
            const b = byKey.get(e.to)!;
            const pa = position(a);
            const pb = position(b);
            const back = b.layer <= a.layer;
            const x1 = pa.x + NODE_W;
            const y1 = pa.y + NODE_H / 2;
            const x2 = back ? pb.x + NODE_W / 2 : pb.x;
            const y2 = back ? pb.y + (pb.y > pa.y ? 0 : NODE_H) : pb.y + NODE_H / 2;
            const mx = (x1 + x2) / 2;
            const d = back
              ? `M${x1},${y1} C${x1 + 60},${y1} ${x2},${y2 + (pb.y > pa.y ? -40 : 40)} ${x2},${y2}`
              : `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
            const active = selectedKey === e.from || selectedKey === e.to;
            return (
              <g key={`${e.from}→${e.to}`} className={`ag-edge${active ? ' active' : ''}`} data-testid="agent-graph-edge">
                <path d={d} markerEnd="url(#ag-arrow)" />
                <text x={x2 - 12} y={y2 - 7} textAnchor="end">
                  ×{formatNumber(e.count)} · {formatDuration(e.totalMs)}
                </text>
              </g>
            );
          })}
          {graph.nodes.map((n) => {
            const p = position(n);
            return (
              <g
                key={n.key}
                className={`ag-node ${kindClass(n.kind)}${n.key === selectedKey ? ' selected' : ''}${n.errors ? ' error' : ''}`}
                transform={`translate(${p.x},${p.y})`}
                onClick={() => setSelectedKey(n.key)}
                data-testid="agent-graph-node"
                data-node-key={n.key}
                role="button"
                tabIndex={0}
                onKeyDown={(ev) => {
                  if (ev.key === 'Enter' || ev.key === ' ') setSelectedKey(n.key);
                }}
              >
                <title>{`${n.kind}: ${n.label}`}</title>
                <rect width={NODE_W} height={NODE_H} rx={7} />
                <text x={10} y={19} className="ag-kind">
                  {n.kind.toUpperCase()}
                </text>
                <text x={NODE_W - 10} y={19} className="ag-meta" textAnchor="end">
                  {formatNumber(n.spanIds.length)} span{n.spanIds.length === 1 ? '' : 's'}
                  {n.errors ? ` · ${n.errors} err` : ''}
                </text>
                <text x={10} y={38} className="ag-label">
                  {n.label.length > 24 ? `${n.label.slice(0, 23)}…` : n.label}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <div className="agent-graph-spans" data-testid="agent-graph-spans">
        {selected ? (
          <>
            <div className="agent-graph-spans-head">
              <KindBadge kind={selected.kind} /> <strong>{selected.label}</strong>{' '}
              <span className="muted">
                {pluralize(selected.spanIds.length, 'span')} · {formatDuration(selected.totalMs)} total
              </span>
            </div>
            <ul>
              {selected.spanIds.slice(0, MAX_LISTED).map((id) => {
                const span = spansById.get(id);
                return (
                  <li key={id}>
                    <button
                      type="button"
                      className="link-button"
                      data-testid="agent-graph-span"
                      onClick={() => onSelectSpan(id)}
                    >
                      {span?.name ?? id}
                    </button>{' '}
                    <span className="muted small mono">
                      +{formatDuration(span?.offset_ms ?? 0)} · {formatDuration(span?.duration_ms ?? 0)}
                    </span>
                  </li>
                );
              })}
            </ul>
            {selected.spanIds.length > MAX_LISTED ? (
              <div className="muted small">and {formatNumber(selected.spanIds.length - MAX_LISTED)} more</div>
            ) : null}
          </>
        ) : (
          <span className="muted small">Click a node to list its spans.</span>
        )}
      </div>
    </div>
  );
}
