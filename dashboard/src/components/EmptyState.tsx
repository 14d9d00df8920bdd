import type { ReactNode } from 'react';

interface EmptyStateProps {
  title?: string;
  children: ReactNode;
  testId?: string;
}

export function EmptyState({ title, children, testId }: EmptyStateProps) {
  return (
    <div className="state state-empty" data-testid={testId}>
      {title ? <div className="state-title">{title}</div> : null}
      <div className="state-message">{children}</div>
    </div>
  );
}
