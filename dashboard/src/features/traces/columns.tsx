import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { TraceSummary } from '../../api/types';
import { StatusBadge } from '../../components/StatusBadge';
import { formatDateTime, formatDuration, formatNumber, formatRelative, shortId } from '../../lib/format';
import { sessionHref, traceHref } from '../../lib/routes';

/** The trace table's columns; the column chooser shows or hides them (saved in this browser). */
export interface TraceColumn {
  id: string;
  label: string;
  numeric?: boolean;
  /** Always shown (not in the chooser). */
  fixed?: boolean;
  cell: (t: TraceSummary, projectId: string) => ReactNode;
}

function cost(usd: number): string {
  if (!usd) return '—';
  return `$${usd < 0.01 ? usd.toFixed(5) : usd.toFixed(4)}`;
}

export const TRACE_COLUMNS: TraceColumn[] = [
  { id: 'status', label: 'Status', fixed: true, cell: (t) => <StatusBadge status={t.status} /> },
  {
    id: 'name',
    label: 'Name',
    fixed: true,
    cell: (t, projectId) => (
      <Link to={traceHref(projectId, t.trace_id)} className="row-link" title={t.name}>
        {t.name || <span className="muted">(unnamed)</span>}
      </Link>
    ),
  },
  {
    id: 'input',
    label: 'Input',
    cell: (t) => (
      <span className="cell-preview" title={t.input_preview ?? ''}>
        {t.input_preview ?? <span className="muted">—</span>}
      </span>
    ),
  },
  {
    id: 'output',
    label: 'Output',
    cell: (t) => (
      <span className="cell-preview" title={t.output_preview ?? ''}>
        {t.output_preview ?? <span className="muted">—</span>}
      </span>
    ),
  },
  {
    id: 'trace_id',
    label: 'Trace ID',
    cell: (t) => (
      <span className="mono muted" title={t.trace_id}>
        {shortId(t.trace_id)}
      </span>
    ),
  },
  { id: 'service', label: 'Service', cell: (t) => t.service_name || <span className="muted">—</span> },
  {
    id: 'start',
    label: 'Start time',
    cell: (t) => <span title={`${t.start_time} (${formatRelative(t.start_time)})`}>{formatDateTime(t.start_time)}</span>,
  },
  { id: 'duration', label: 'Duration', numeric: true, cell: (t) => <span className="mono">{formatDuration(t.duration_ms)}</span> },
  { id: 'spans', label: 'Spans', numeric: true, cell: (t) => formatNumber(t.span_count) },
  {
    id: 'errors',
    label: 'Errors',
    numeric: true,
    cell: (t) => <span className={t.error_count > 0 ? 'text-error' : 'muted'}>{formatNumber(t.error_count)}</span>,
  },
  {
    id: 'tokens',
    label: 'Tokens',
    numeric: true,
    cell: (t) => (
      <span title={`${formatNumber(t.input_tokens)} in / ${formatNumber(t.output_tokens)} out`}>
        {t.total_tokens ? formatNumber(t.total_tokens) : <span className="muted">—</span>}
      </span>
    ),
  },
  { id: 'cost', label: 'Cost', numeric: true, cell: (t) => <span className="mono">{cost(t.cost_usd)}</span> },
  {
    id: 'models',
    label: 'Models',
    cell: (t) =>
      t.models.length ? (
        <span className="cell-models">
          {t.models.map((m) => (
            <span key={m} className="model-chip">
              {m}
            </span>
          ))}
        </span>
      ) : (
        <span className="muted">—</span>
      ),
  },
  {
    id: 'alerts',
    label: 'Alerts',
    numeric: true,
    cell: (t) =>
      t.alert_count ? (
        <span className="text-error" title={t.max_severity ?? ''}>
          {formatNumber(t.alert_count)}
          {t.max_severity ? ` · ${t.max_severity}` : ''}
        </span>
      ) : (
        <span className="muted">0</span>
      ),
  },
  {
    id: 'session',
    label: 'Session',
    cell: (t, projectId) =>
      t.session_id ? (
        <Link to={sessionHref(projectId, t.session_id)} className="mono" title={t.session_id}>
          {t.session_id.length > 18 ? `${t.session_id.slice(0, 17)}…` : t.session_id}
        </Link>
      ) : (
        <span className="muted">—</span>
      ),
  },
  { id: 'user', label: 'User', cell: (t) => t.user_id ?? <span className="muted">—</span> },
];

export const DEFAULT_COLUMNS = ['status', 'name', 'input', 'start', 'duration', 'spans', 'tokens', 'cost', 'models', 'alerts'];

const STORAGE_KEY = 'agentstack.traceColumns';

export function loadColumns(): string[] {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as unknown;
    if (Array.isArray(saved) && saved.every((c) => typeof c === 'string')) {
      const known = new Set(TRACE_COLUMNS.map((c) => c.id));
      const cols = saved.filter((c: string) => known.has(c));
      if (cols.length) return cols;
    }
  } catch {
    // unreadable storage: defaults
  }
  return DEFAULT_COLUMNS;
}

export function saveColumns(cols: string[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(cols));
  } catch {
    // storage full or disabled: the choice lasts for this page only
  }
}
