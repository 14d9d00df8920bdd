import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate, useSearchParams } from 'react-router-dom';
import { login } from '../../../api/accounts';
import { Field } from '../../../components/Field';
import { LoadingState } from '../../../components/LoadingState';
import { safeNext } from '../../../lib/routes';
import { AuthCard } from '../components/AuthCard';
import { useAuthStatus } from '../hooks/useMe';

function loginErrorMessage(error: { status: number; message: string; retryAfterS?: number }): string {
  if (error.status === 429 && error.retryAfterS) {
    return `${error.message} Try again in ${error.retryAfterS} s.`;
  }
  return error.message;
}

/** `/login?next=…`: email and password; back to `next` (or the first project) afterwards. */
export function LoginPage() {
  const [searchParams] = useSearchParams();
  const next = safeNext(searchParams.get('next'));
  const location = useLocation();
  const notice = (location.state as { message?: string } | null)?.message;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const status = useAuthStatus();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const mutation = useMutation({
    mutationFn: () => login(email.trim(), password),
    onSuccess: () => {
      queryClient.clear(); // answers cached for someone else must not show
      navigate(next, { replace: true });
    },
  });

  if (status.isPending) return <LoadingState label="Loading…" />;
  if (status.data?.needs_setup) return <Navigate to="/setup" replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (email.trim() && password) mutation.mutate();
  };

  return (
    <AuthCard title="Log in" subtitle="Traces, costs and alerts of your projects." testId="login-page">
      {notice && !mutation.error ? (
        <div className="alert alert-info" role="status" data-testid="login-notice">
          {notice}
        </div>
      ) : null}
      {mutation.error ? (
        <div className="alert alert-error" role="alert" data-testid="login-error">
          {loginErrorMessage(mutation.error)}
        </div>
      ) : null}
      <form onSubmit={submit} className="form" data-testid="login-form">
        <Field label="Email">
          <input
            className="input"
            type="email"
            name="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="login-email"
          />
        </Field>
        <Field label="Password">
          <input
            className="input"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </Field>
        <button
          type="submit"
          className="btn btn-primary btn-block"
          disabled={mutation.isPending}
          data-testid="login-submit"
        >
          {mutation.isPending ? 'Logging in…' : 'Log in'}
        </button>
      </form>
      {status.data?.signup_allowed ? (
        <p className="auth-footer muted">
          No account yet? <Link to={`/signup${next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`}>Sign up</Link>
        </p>
      ) : (
        <p className="auth-footer muted small">No account? Ask an admin of your AgentStack instance to add you.</p>
      )}
    </AuthCard>
  );
}
