import type { ReactNode } from 'react';

interface DetailSectionProps {
  title: string;
  /** Small text after the title (e.g. a count). */
  meta?: ReactNode;
  actions?: ReactNode;
  defaultOpen?: boolean;
  testId?: string;
  children: ReactNode;
}

export function DetailSection({ title, meta, actions, defaultOpen = true, testId, children }: DetailSectionProps) {
  return (
    <details className="detail-section" open={defaultOpen} data-testid={testId}>
      <summary className="detail-section-header">
        <span className="detail-section-title">{title}</span>
        {meta !== undefined ? <span className="detail-section-meta">{meta}</span> : null}
        {actions ? (
          <span className="detail-section-actions" onClick={(e) => e.preventDefault()}>
            {actions}
          </span>
        ) : null}
      </summary>
      <div className="detail-section-body">{children}</div>
    </details>
  );
}
