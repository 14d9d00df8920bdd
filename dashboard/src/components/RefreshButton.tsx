interface RefreshButtonProps {
  onClick: () => void;
  busy: boolean;
}

export function RefreshButton({ onClick, busy }: RefreshButtonProps) {
  return (
    <button type="button" className="btn btn-small" onClick={onClick} disabled={busy} data-testid="refresh">
      <span className={`refresh-icon${busy ? ' spinning' : ''}`} aria-hidden="true">
        ↻
      </span>
      {busy ? 'Refreshing…' : 'Refresh'}
    </button>
  );
}
