import type { KeyboardEvent, MouseEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { traceHref } from '../../../lib/routes';
import type { TraceSummary } from '../../../api/types';
import { TRACE_COLUMNS } from '../columns';

interface TraceTableProps {
  projectId: string;
  traces: TraceSummary[];
  /** Ids of the columns to show, in TRACE_COLUMNS order. */
  columns: string[];
}

export function TraceTable({ projectId, traces, columns }: TraceTableProps) {
  const navigate = useNavigate();
  const shown = TRACE_COLUMNS.filter((c) => c.fixed || columns.includes(c.id));

  const onRowClick = (e: MouseEvent<HTMLTableRowElement>, traceId: string) => {
    // Links inside the row handle their own navigation (incl. ctrl/middle-click).
    if ((e.target as Element).closest('a, button')) return;
    if (window.getSelection()?.toString()) return; // user is selecting text
    if (e.metaKey || e.ctrlKey) {
      window.open(traceHref(projectId, traceId), '_blank', 'noopener');
      return;
    }
    navigate(traceHref(projectId, traceId));
  };

  const onRowKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, traceId: string) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      navigate(traceHref(projectId, traceId));
    }
  };

  return (
    <div className="table-wrap">
      <table className="table trace-table" data-testid="traces-table">
        <thead>
          <tr>
            {shown.map((c) => (
              <th key={c.id} className={c.numeric ? 'num' : c.id === 'status' ? 'col-status' : undefined} data-col={c.id}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {traces.map((t) => (
            <tr
              key={t.trace_id}
              className={`clickable${t.status === 'ERROR' ? ' row-error' : ''}`}
              data-testid="trace-row"
              data-trace-id={t.trace_id}
              tabIndex={0}
              onClick={(e) => onRowClick(e, t.trace_id)}
              onKeyDown={(e) => onRowKeyDown(e, t.trace_id)}
            >
              {shown.map((c) => (
                <td
                  key={c.id}
                  className={c.numeric ? 'num' : c.id === 'status' ? 'col-status' : c.id === 'name' ? 'cell-name' : undefined}
                >
                  {c.cell(t, projectId)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
