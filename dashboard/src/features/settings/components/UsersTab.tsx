import { useState, type FormEvent } from 'react';
import type { User } from '../../../api/types';
import { Dialog } from '../../../components/Dialog';
import { Dropdown } from '../../../components/Dropdown';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { Field } from '../../../components/Field';
import { LoadingState } from '../../../components/LoadingState';
import { formatDateTime } from '../../../lib/format';
import { useMe } from '../../auth/hooks/useMe';
import { MIN_PASSWORD_LENGTH } from '../../auth/password';
import { useCreateUser, useUpdateUser, useUsers } from '../hooks/useUsers';

/** Instance admins: create accounts (with an initial password), disable them, reset passwords, grant admin. */
export function UsersTab() {
  const me = useMe();
  const isAdmin = me.data?.user.is_admin ?? false;
  const users = useUsers(isAdmin);
  const update = useUpdateUser();
  const [resetting, setResetting] = useState<User | null>(null);

  if (!isAdmin) {
    return (
      <section className="panel" data-testid="users-denied">
        <div className="alert alert-info">Only instance admins manage user accounts.</div>
      </section>
    );
  }

  let list;
  if (users.isPending) list = <LoadingState label="Loading users…" />;
  else if (users.isError)
    list = <ErrorState title="Could not load users" message={users.error.message} onRetry={() => users.refetch()} />;
  else if (users.data.items.length === 0) list = <EmptyState title="No users">Create the first one above.</EmptyState>;
  else
    list = (
      <div className="table-wrap">
        <table className="table settings-table" data-testid="users-table">
          <thead>
            <tr>
              <th>Email</th>
              <th>Access</th>
              <th>Status</th>
              <th>Created</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.data.items.map((user) => {
              const self = user.id === me.data?.user.id;
              const busy = update.isPending && update.variables?.userId === user.id;
              const selfReason = self ? 'You cannot change this on your own account.' : undefined;
              return (
                <tr key={user.id} data-testid="user-row" data-email={user.email} className={user.disabled ? 'row-revoked' : undefined}>
                  <td>
                    {user.email}
                    {self ? <span className="tag">you</span> : null}
                  </td>
                  <td>{user.is_admin ? <span className="role-badge role-owner">instance admin</span> : 'projects only'}</td>
                  <td>
                    {user.disabled ? (
                      <span className="tag tag-muted" data-testid="user-disabled">disabled</span>
                    ) : (
                      <span className="tag tag-ok">active</span>
                    )}
                  </td>
                  <td className="muted">{formatDateTime(user.created_at)}</td>
                  <td className="actions-col">
                    <Dropdown
                      align="right"
                      label={busy ? 'Saving…' : 'Manage ▾'}
                      triggerClassName="btn btn-small"
                      testId="user-actions"
                    >
                      {(close) => (
                        <>
                          <button
                            type="button"
                            role="menuitem"
                            className="dropdown-item"
                            disabled={self}
                            title={selfReason}
                            onClick={() => {
                              close();
                              update.mutate({ userId: user.id, is_admin: !user.is_admin });
                            }}
                            data-testid="toggle-admin"
                          >
                            {user.is_admin ? 'Remove instance admin' : 'Make instance admin'}
                          </button>
                          <button
                            type="button"
                            role="menuitem"
                            className="dropdown-item"
                            onClick={() => {
                              close();
                              setResetting(user);
                            }}
                            data-testid="reset-password"
                          >
                            Reset password…
                          </button>
                          <button
                            type="button"
                            role="menuitem"
                            className="dropdown-item dropdown-item-danger"
                            disabled={self}
                            title={selfReason}
                            onClick={() => {
                              close();
                              update.mutate({ userId: user.id, disabled: !user.disabled });
                            }}
                            data-testid="toggle-disabled"
                          >
                            {user.disabled ? 'Enable: allow logins again' : 'Disable: block logins, end sessions'}
                          </button>
                        </>
                      )}
                    </Dropdown>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    );

  return (
    <>
      <section className="panel">
        <h2 className="panel-title">Create a user</h2>
        <p className="muted panel-text">
          Give them the initial password; they can change it under Account. Then add them to projects under Members.
        </p>
        <CreateUserForm />
      </section>
      <section className="panel">
        <h2 className="panel-title">Users</h2>
        {update.error ? (
          <div className="alert alert-error" role="alert" data-testid="users-error">
            {update.error.message}
          </div>
        ) : null}
        {list}
      </section>
      <ResetPasswordDialog user={resetting} onClose={() => setResetting(null)} />
    </>
  );
}

function CreateUserForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [touched, setTouched] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const create = useCreateUser();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!email.trim() || password.length < MIN_PASSWORD_LENGTH) return;
    create.mutate(
      { email: email.trim(), password, is_admin: isAdmin },
      {
        onSuccess: (user) => {
          setCreated(user.email);
          setEmail('');
          setPassword('');
          setIsAdmin(false);
          setTouched(false);
        },
      },
    );
  };

  let error: string | null = null;
  if (create.error) error = create.error.message;
  else if (touched && !email.trim()) error = 'Enter their email.';
  else if (touched && password.length < MIN_PASSWORD_LENGTH) error = `The password needs at least ${MIN_PASSWORD_LENGTH} characters.`;
  return (
    <form className="inline-form" onSubmit={submit} noValidate data-testid="create-user-form">
      <label className="inline-form-field">
        <span className="field-label">Email</span>
        <input
          className="input"
          type="email"
          value={email}
          onChange={(e) => {
            setEmail(e.target.value);
            setCreated(null);
          }}
          data-testid="create-user-email"
        />
      </label>
      <label className="inline-form-field">
        <span className="field-label">Initial password</span>
        <input
          className="input"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="create-user-password"
        />
      </label>
      <label className="checkbox">
        <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} /> Instance admin
      </label>
      <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="create-user-submit">
        {create.isPending ? 'Creating…' : 'Create user'}
      </button>
      {error ? (
        <div className="field-error inline-form-error" role="alert" data-testid="create-user-error">
          {error}
        </div>
      ) : created ? (
        <div className="inline-form-help text-ok" role="status" data-testid="user-created">
          {created} can log in now.
        </div>
      ) : null}
    </form>
  );
}

function ResetPasswordDialog({ user, onClose }: { user: User | null; onClose: () => void }) {
  const [password, setPassword] = useState('');
  const update = useUpdateUser();
  const tooShort = password.length < MIN_PASSWORD_LENGTH;
  const close = () => {
    setPassword('');
    update.reset();
    onClose();
  };
  const save = () =>
    user && !tooShort && update.mutate({ userId: user.id, password }, { onSuccess: close });

  return (
    <Dialog
      open={user !== null}
      title={`New password for ${user?.email ?? ''}`}
      onClose={close}
      dismissable={!update.isPending}
      testId="reset-password-dialog"
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={close} disabled={update.isPending}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={save}
            disabled={update.isPending || tooShort}
            data-testid="confirm-button"
          >
            {update.isPending ? 'Saving…' : 'Set password'}
          </button>
        </>
      }
    >
      <p className="dialog-text muted">Their sessions end; tell them the new password.</p>
      <Field label="New password" hint={`At least ${MIN_PASSWORD_LENGTH} characters.`} error={update.error?.message}>
        <input
          className="input"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoFocus
          data-testid="reset-password-input"
        />
      </Field>
    </Dialog>
  );
}
