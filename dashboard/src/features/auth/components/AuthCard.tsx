import type { ReactNode } from 'react';

interface AuthCardProps {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  testId?: string;
}

/** The centred card of the public pages (login, first-run set-up, sign-up). */
export function AuthCard({ title, subtitle, children, testId }: AuthCardProps) {
  return (
    <div className="auth-page" data-testid={testId}>
      <div className="auth-brand" aria-hidden="true">
        <span className="brand-mark">
          <span />
          <span />
          <span />
        </span>
        <span className="brand-name">AgentStack</span>
      </div>
      <div className="card auth-card">
        <h1 className="card-title">{title}</h1>
        {subtitle ? <p className="muted auth-subtitle">{subtitle}</p> : null}
        {children}
      </div>
    </div>
  );
}
