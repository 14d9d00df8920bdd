import { forwardRef, memo, type CSSProperties, type MouseEvent } from 'react';
import { formatDuration } from '../../../lib/format';
import { kindClass } from '../../../lib/kinds';
import type { SpanNode } from '../spanTree';
import { KindBadge } from '../../../components/KindBadge';

interface WaterfallRowProps {
  node: SpanNode;
  totalMs: number;
  selected: boolean;
  collapsed: boolean;
  /** Shown only as the ancestor of a search/filter match. */
  dimmed?: boolean;
  style?: CSSProperties;
  onSelect: (spanId: string) => void;
  onToggle: (spanId: string) => void;
}

const INDENT_PX = 14;

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

export const WaterfallRow = memo(forwardRef<HTMLDivElement, WaterfallRowProps>(function WaterfallRow(
  { node, totalMs, selected, collapsed, dimmed = false, style, onSelect, onToggle },
  ref,
) {
  const { span, depth, childCount } = node;
  const isError = span.status === 'ERROR';
  const left = clamp(((span.offset_ms || 0) / totalMs) * 100, 0, 100);
  const width = clamp(((span.duration_ms || 0) / totalMs) * 100, 0, 100 - left);
  // Duration label: after the bar, before it, or inside it when neither side has room.
  const labelPlacement = left + width <= 72 ? '' : left >= 18 ? ' left' : ' inside';

  const toggle = (e: MouseEvent) => {
    e.stopPropagation();
    onToggle(span.span_id);
  };

  return (
    <div
      ref={ref}
      role="treeitem"
      aria-level={depth + 1}
      aria-selected={selected}
      aria-expanded={childCount > 0 ? !collapsed : undefined}
      tabIndex={selected ? 0 : -1}
      style={style}
      className={`wf-row${selected ? ' selected' : ''}${isError ? ' error' : ''}${dimmed ? ' dimmed' : ''}`}
      data-testid="span-row"
      data-span-id={span.span_id}
      data-depth={depth}
      data-kind={span.kind}
      onClick={() => onSelect(span.span_id)}
    >
      <div className="wf-label" style={{ paddingLeft: 8 + depth * INDENT_PX }}>
        {childCount > 0 ? (
          <button
            type="button"
            className="wf-toggle"
            tabIndex={-1}
            onClick={toggle}
            aria-label={collapsed ? 'Expand' : 'Collapse'}
            title={collapsed ? `Expand (${childCount} children)` : 'Collapse'}
          >
            {collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span className="wf-toggle-spacer" />
        )}
        <KindBadge kind={span.kind} />
        <span className="wf-name" title={span.name}>
          {span.name || '(unnamed)'}
        </span>
        {span.security_flags?.length ? (
          <span
            className="wf-error-mark"
            data-testid="wf-security-mark"
            title={`Security: ${span.security_flags.join(', ')}`}
            aria-label="security alert"
          >
            ⚠
          </span>
        ) : null}
        {isError ? (
          <span className="wf-error-mark" title={span.status_message || 'Error'} aria-label="error">
            !
          </span>
        ) : null}
      </div>
      <div className="wf-track">
        <div
          className={`wf-bar ${kindClass(span.kind)}${isError ? ' error' : ''}`}
          style={{ left: `min(${left}%, calc(100% - 2px))`, width: `max(2px, ${width}%)` }}
        >
          <span className={`wf-duration${labelPlacement}`}>{formatDuration(span.duration_ms)}</span>
        </div>
      </div>
    </div>
  );
}));
