import { formatNumber } from '../lib/format';

interface PaginationProps {
  page: number;
  pageSize: number;
  total: number;
  onPageChange: (page: number) => void;
  /** What is counted (plural), e.g. "sessions". */
  noun?: string;
}

export function Pagination({ page, pageSize, total, onPageChange, noun = 'traces' }: PaginationProps) {
  const totalPages = Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);

  return (
    <nav className="pagination" aria-label="Pagination" data-testid="pagination">
      <span className="muted" data-testid="pagination-total">
        {total === 0 ? `No ${noun}` : `${formatNumber(first)}–${formatNumber(last)} of ${formatNumber(total)} ${noun}`}
      </span>
      <div className="pagination-controls">
        <button
          type="button"
          className="btn btn-small"
          onClick={() => onPageChange(page - 1)}
          disabled={page <= 1}
          data-testid="page-prev"
        >
          ← Prev
        </button>
        <span className="pagination-status" data-testid="page-status">
          Page {formatNumber(page)} of {formatNumber(totalPages)}
        </span>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => onPageChange(page + 1)}
          disabled={page >= totalPages}
          data-testid="page-next"
        >
          Next →
        </button>
      </div>
    </nav>
  );
}
