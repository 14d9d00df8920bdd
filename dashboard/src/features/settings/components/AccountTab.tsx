import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { changePassword } from '../../../api/accounts';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { Field } from '../../../components/Field';
import { LoadingState } from '../../../components/LoadingState';
import { formatDateTime } from '../../../lib/format';
import { useMe } from '../../auth/hooks/useMe';
import { useLogout, useLogoutEverywhere } from '../../auth/hooks/useSessionActions';
import { MIN_PASSWORD_LENGTH } from '../../auth/password';

/** The logged-in user: who they are, change password, log out (here or everywhere). */
export function AccountTab() {
  const me = useMe();
  const logout = useLogout();
  const logoutAll = useLogoutEverywhere();
  const [confirmAll, setConfirmAll] = useState(false);

  if (!me.data) return <LoadingState label="Loading your account…" />;
  const { user } = me.data;

  return (
    <>
      <section className="panel">
        <h2 className="panel-title">Your account</h2>
        <dl className="facts">
          <div>
            <dt>Email</dt>
            <dd data-testid="account-email">{user.email}</dd>
          </div>
          <div>
            <dt>Access</dt>
            <dd>{user.is_admin ? 'Instance admin: sees and manages every project' : 'Sees the projects they are a member of'}</dd>
          </div>
          <div>
            <dt>Projects</dt>
            <dd>{me.data.projects.length === 0 ? 'none yet' : me.data.projects.map((p) => p.name).join(', ')}</dd>
          </div>
          <div>
            <dt>Since</dt>
            <dd>{formatDateTime(user.created_at)}</dd>
          </div>
        </dl>
      </section>
      <section className="panel">
        <h2 className="panel-title">Change password</h2>
        <ChangePasswordForm />
      </section>
      <section className="panel">
        <h2 className="panel-title">Sessions</h2>
        <p className="muted panel-text">
          Log out of this browser, or of every browser and device where you are logged in (e.g. after using a shared
          computer).
        </p>
        <div className="button-row">
          <button type="button" className="btn" onClick={() => logout.mutate()} disabled={logout.isPending} data-testid="logout">
            Log out
          </button>
          <button
            type="button"
            className="btn btn-danger-ghost"
            onClick={() => {
              logoutAll.reset();
              setConfirmAll(true);
            }}
            data-testid="logout-all"
          >
            Log out everywhere
          </button>
        </div>
      </section>
      <ConfirmDialog
        open={confirmAll}
        title="Log out everywhere?"
        confirmLabel="Log out everywhere"
        danger
        busy={logoutAll.isPending}
        error={logoutAll.error?.message}
        onConfirm={() => logoutAll.mutate()}
        onClose={() => setConfirmAll(false)}
        testId="logout-all-dialog"
      >
        <p>Every session of {user.email} ends, this one included. API keys are not affected.</p>
      </ConfirmDialog>
    </>
  );
}

function ChangePasswordForm() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [touched, setTouched] = useState(false);
  const mutation = useMutation({
    mutationFn: () => changePassword(current, next),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      setRepeat('');
      setTouched(false);
    },
  });

  const error = mutation.error;
  const currentError =
    error && (error.field === 'current_password' || error.code === 'invalid_credentials') ? error.message : null;
  const newError =
    error?.field === 'new_password'
      ? error.message
      : touched && next.length < MIN_PASSWORD_LENGTH
        ? `At least ${MIN_PASSWORD_LENGTH} characters.`
        : null;
  const repeatError = touched && repeat !== next ? 'The two passwords differ.' : null;
  const generalError = error && !currentError && error.field !== 'new_password' ? error.message : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!current || next.length < MIN_PASSWORD_LENGTH || repeat !== next) return;
    mutation.mutate();
  };

  return (
    <form className="form form-narrow" onSubmit={submit} noValidate data-testid="password-form">
      {mutation.isSuccess ? (
        <div className="alert alert-success" role="status" data-testid="password-changed">
          Password changed. Your other sessions were logged out; this one stays.
        </div>
      ) : null}
      {generalError ? (
        <div className="alert alert-error" role="alert">
          {generalError}
        </div>
      ) : null}
      <Field label="Current password" error={currentError ?? (touched && !current ? 'Enter your current password.' : null)}>
        <input
          className="input"
          type="password"
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          data-testid="current-password"
        />
      </Field>
      <Field label="New password" error={newError} hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}>
        <input
          className="input"
          type="password"
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          data-testid="new-password"
        />
      </Field>
      <Field label="Repeat the new password" error={repeatError}>
        <input
          className="input"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          data-testid="repeat-password"
        />
      </Field>
      <div className="form-actions form-actions-left">
        <button type="submit" className="btn btn-primary" disabled={mutation.isPending} data-testid="change-password">
          {mutation.isPending ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
