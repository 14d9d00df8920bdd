import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { queryKeys } from '../../../api/queryKeys';
import type { Member, Role } from '../../../api/types';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { LoadingState } from '../../../components/LoadingState';
import { formatDateTime } from '../../../lib/format';
import { RoleBadge } from '../../projects/components/RoleBadge';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { ROLE_DESCRIPTIONS, ROLES, atLeast, denyReason } from '../../projects/roles';
import { useAddMember, useChangeMemberRole, useMembers, useRemoveMember } from '../hooks/useSettingsData';

/** Members of the current project: everyone may look; admins add, re-role and remove; only owners touch owners. */
export function MembersTab() {
  const { project, role, me } = useCurrentProject();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const members = useMembers(project.id);
  const changeRole = useChangeMemberRole(project.id);
  const remove = useRemoveMember(project.id);
  const [removing, setRemoving] = useState<Member | null>(null);
  const manageDenied = denyReason(role, 'admin', 'add, change or remove members');
  const isOwner = atLeast(role, 'owner');
  const grantable = ROLES.filter((r) => r !== 'owner' || isOwner);

  /** Why this row cannot be changed by the caller, or null. */
  const rowDenied = (member: Member): string | null =>
    manageDenied ?? (member.role === 'owner' && !isOwner ? 'Only owners can change or remove an owner.' : null);

  const confirmRemove = () => {
    if (!removing) return;
    const self = removing.user_id === me.user.id;
    remove.mutate(
      { userId: removing.user_id, self },
      {
        onSuccess: () => {
          setRemoving(null);
          if (!self) return;
          navigate('/', { replace: true }); // leave first: this project may no longer be theirs
          void queryClient.invalidateQueries({ queryKey: queryKeys.me });
        },
      },
    );
  };

  let list;
  if (members.isPending) list = <LoadingState label="Loading members…" />;
  else if (members.isError)
    list = <ErrorState title="Could not load members" message={members.error.message} onRetry={() => members.refetch()} />;
  else if (members.data.items.length === 0)
    list = (
      <EmptyState title="No members" testId="members-empty">
        Nobody is a member of this project (instance admins see it anyway).
      </EmptyState>
    );
  else
    list = (
      <div className="table-wrap">
        <table className="table settings-table" data-testid="members-table">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Added</th>
              <th className="actions-col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {members.data.items.map((member) => {
              const denied = rowDenied(member);
              const busy = changeRole.isPending && changeRole.variables?.userId === member.user_id;
              return (
                <tr key={member.user_id} data-testid="member-row" data-email={member.email}>
                  <td>
                    {member.email}
                    {member.user_id === me.user.id ? <span className="tag">you</span> : null}
                  </td>
                  <td>
                    {denied ? (
                      <span title={denied}>
                        <RoleBadge role={member.role} />
                      </span>
                    ) : (
                      <select
                        className="input input-small role-select"
                        value={member.role}
                        disabled={busy}
                        aria-label={`Role of ${member.email}`}
                        onChange={(e) => changeRole.mutate({ userId: member.user_id, role: e.target.value as Role })}
                        data-testid="member-role"
                      >
                        {(member.role === 'owner' ? ROLES : grantable).map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    )}
                  </td>
                  <td className="muted">{formatDateTime(member.added_at)}</td>
                  <td className="actions-col">
                    <button
                      type="button"
                      className="btn btn-small btn-danger-ghost"
                      disabled={denied !== null}
                      title={denied ?? `Remove ${member.email} from ${project.name}`}
                      onClick={() => {
                        remove.reset();
                        setRemoving(member);
                      }}
                      data-testid="remove-member"
                    >
                      Remove
                    </button>
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
        <h2 className="panel-title">Add a member to {project.name}</h2>
        {manageDenied ? (
          <div className="alert alert-info" data-testid="members-denied">
            {manageDenied}
          </div>
        ) : (
          <AddMemberForm projectId={project.id} roles={grantable} />
        )}
      </section>
      <section className="panel">
        <h2 className="panel-title">Members</h2>
        {changeRole.error ? (
          <div className="alert alert-error" role="alert" data-testid="member-error">
            {changeRole.error.message}
          </div>
        ) : null}
        {list}
        <dl className="role-legend muted small">
          {ROLES.map((r) => (
            <div key={r}>
              <dt>{r}</dt>
              <dd>{ROLE_DESCRIPTIONS[r]}</dd>
            </div>
          ))}
        </dl>
      </section>
      <ConfirmDialog
        open={removing !== null}
        title={`Remove ${removing?.email ?? ''}?`}
        confirmLabel="Remove member"
        danger
        busy={remove.isPending}
        error={remove.error?.message}
        onConfirm={confirmRemove}
        onClose={() => setRemoving(null)}
        testId="remove-member-dialog"
      >
        <p>
          {removing?.user_id === me.user.id
            ? `You will lose access to ${project.name}.`
            : `${removing?.email ?? ''} loses access to ${project.name} and its traces.`}
        </p>
      </ConfirmDialog>
    </>
  );
}

function AddMemberForm({ projectId, roles }: { projectId: string; roles: readonly Role[] }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [touched, setTouched] = useState(false);
  const add = useAddMember(projectId);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!email.trim()) return;
    add.mutate(
      { email: email.trim(), role },
      {
        onSuccess: () => {
          setEmail('');
          setTouched(false);
        },
      },
    );
  };

  let error: string | null = touched && !email.trim() ? 'Enter the email of an existing user.' : null;
  if (add.error) {
    error =
      add.error.code === 'user_not_found'
        ? `No user with the email ${email.trim()}. An instance admin must create the account first (or they sign up, if sign-up is open).`
        : add.error.message;
  }
  return (
    <form className="inline-form" onSubmit={submit} data-testid="add-member-form" noValidate>
      <label className="inline-form-field">
        <span className="field-label">Email</span>
        <input
          className="input"
          type="email"
          placeholder="colleague@example.com"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="add-member-email"
        />
      </label>
      <label className="inline-form-field inline-form-narrow">
        <span className="field-label">Role</span>
        <select
          className="input"
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
          data-testid="add-member-role"
        >
          {roles.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="btn btn-primary" disabled={add.isPending} data-testid="add-member-submit">
        {add.isPending ? 'Adding…' : 'Add member'}
      </button>
      <div className="inline-form-help muted small">
        <strong>{role}</strong>: {ROLE_DESCRIPTIONS[role]}.
      </div>
      {error ? (
        <div className="field-error inline-form-error" role="alert" data-testid="add-member-error">
          {error}
        </div>
      ) : null}
    </form>
  );
}
