interface StatusBadgeProps {
  status: string;
}

export function StatusBadge({ status }: StatusBadgeProps) {
  const isError = status === 'ERROR';
  return (
    <span className={`status-badge ${isError ? 'status-error' : 'status-ok'}`} data-testid="status-badge">
      <span className="status-dot" aria-hidden="true" />
      {isError ? 'Error' : status === 'OK' ? 'OK' : status || 'Unset'}
    </span>
  );
}
