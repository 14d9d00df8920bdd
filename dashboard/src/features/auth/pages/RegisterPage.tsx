import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { register } from '../../../api/accounts';
import { ErrorState } from '../../../components/ErrorState';
import { Field } from '../../../components/Field';
import { LoadingState } from '../../../components/LoadingState';
import { safeNext } from '../../../lib/routes';
import { AuthCard } from '../components/AuthCard';
import { useAuthStatus } from '../hooks/useMe';

import { MIN_PASSWORD_LENGTH } from '../password';

interface RegisterPageProps {
  /** `setup`: the first-run "create admin" page; `signup`: self sign-up when the instance allows it. */
  mode: 'setup' | 'signup';
}

/** `/setup?code=…` (first admin, with the one-time code printed at first start) and `/signup`. */
export function RegisterPage({ mode }: RegisterPageProps) {
  const [searchParams] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const status = useAuthStatus();
  const [code, setCode] = useState(searchParams.get('code') ?? '');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);

  const mutation = useMutation({
    mutationFn: () =>
      register({ email: email.trim(), password, ...(mode === 'setup' ? { setup_code: code.trim() } : {}) }),
    onSuccess: () => {
      queryClient.clear();
      navigate(mode === 'setup' ? '/' : safeNext(searchParams.get('next')), { replace: true });
    },
  });

  const testId = mode === 'setup' ? 'setup-page' : 'signup-page';
  if (status.isPending) return <LoadingState label="Loading…" />;
  if (status.isError) {
    return (
      <div className="center-page">
        <ErrorState title="Could not reach AgentStack" message={status.error.message} onRetry={() => status.refetch()} />
      </div>
    );
  }
  if (mode === 'setup' && !status.data.needs_setup) {
    return (
      <AuthCard title="Already set up" testId={testId}>
        <p className="muted" data-testid="setup-done">
          This AgentStack instance already has an admin. Log in, or ask an admin to add you.
        </p>
        <Link to="/login" className="btn btn-primary btn-block">
          Go to log in
        </Link>
      </AuthCard>
    );
  }
  if (mode === 'signup' && !status.data.signup_allowed) {
    return (
      <AuthCard title="Sign-up is closed" testId={testId}>
        <p className="muted">Ask an admin of this AgentStack instance to create your account.</p>
        <Link to="/login" className="btn btn-primary btn-block">
          Go to log in
        </Link>
      </AuthCard>
    );
  }

  const error = mutation.error;
  const fieldError = (field: string) => (error?.field === field ? error.message : null);
  const tooShort = password.length > 0 && password.length < MIN_PASSWORD_LENGTH;
  const mismatch = touched && confirm !== password;
  const generalError = error && !['email', 'password', 'setup_code'].includes(error.field ?? '') ? error.message : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!email.trim() || tooShort || confirm !== password || (mode === 'setup' && !code.trim())) return;
    mutation.mutate();
  };

  return (
    <AuthCard
      title={mode === 'setup' ? 'Create the admin account' : 'Create your account'}
      subtitle={
        mode === 'setup'
          ? 'First start: this account becomes the instance admin and owner of the existing projects.'
          : 'Your account starts without projects: create one, or ask a project admin to add you.'
      }
      testId={testId}
    >
      {generalError ? (
        <div className="alert alert-error" role="alert" data-testid="register-error">
          {generalError}
        </div>
      ) : null}
      <form onSubmit={submit} className="form" noValidate>
        {mode === 'setup' ? (
          <Field
            label="Setup code"
            error={fieldError('setup_code') ?? (touched && !code.trim() ? 'Enter the setup code.' : null)}
            hint={
              <>
                In the setup link of <code>make run</code>'s banner, and kept in <code>.agentstack/setup-code</code>.
              </>
            }
          >
            <input
              className="input mono"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              data-testid="setup-code"
            />
          </Field>
        ) : null}
        <Field label="Email" error={fieldError('email') ?? (touched && !email.trim() ? 'Enter an email.' : null)}>
          <input
            className="input"
            type="email"
            autoComplete="username"
            autoFocus={mode === 'signup' || !!code}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            data-testid="register-email"
          />
        </Field>
        <Field
          label="Password"
          error={fieldError('password') ?? (tooShort ? `At least ${MIN_PASSWORD_LENGTH} characters.` : null)}
          hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
        >
          <input
            className="input"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="register-password"
          />
        </Field>
        <Field label="Repeat the password" error={mismatch ? 'The two passwords differ.' : null}>
          <input
            className="input"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            data-testid="register-confirm"
          />
        </Field>
        <button
          type="submit"
          className="btn btn-primary btn-block"
          disabled={mutation.isPending}
          data-testid="register-submit"
        >
          {mutation.isPending ? 'Creating…' : mode === 'setup' ? 'Create admin and log in' : 'Create account'}
        </button>
      </form>
      {mode === 'signup' ? (
        <p className="auth-footer muted">
          Already have an account? <Link to="/login">Log in</Link>
        </p>
      ) : null}
    </AuthCard>
  );
}
