import { useState, type FormEvent } from 'react';
import type { ApiKey, ApiKeyCreated, ApiKeyScope } from '../../../api/types';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { LoadingState } from '../../../components/LoadingState';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { KeyCreatedDialog } from '../../projects/components/KeyCreatedDialog';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { denyReason } from '../../projects/roles';
import { SCOPE_HELP } from '../../projects/scopes';
import { useCreateKey, useKeys, useRevokeKey } from '../hooks/useSettingsData';

/** API keys of the current project: create (shown once), list, revoke. Admins and owners only. */
export function KeysTab() {
  const { project, role } = useCurrentProject();
  const denied = denyReason(role, 'admin', 'see and manage API keys');
  const keys = useKeys(project.id, denied === null);
  const revoke = useRevokeKey(project.id);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  if (denied) {
    return (
      <section className="panel" data-testid="keys-denied">
        <h2 className="panel-title">API keys of {project.name}</h2>
        <div className="alert alert-info">{denied} Ask one of them for a key.</div>
      </section>
    );
  }

  let list;
  if (keys.isPending) list = <LoadingState label="Loading API keys…" />;
  else if (keys.isError)
    list = <ErrorState title="Could not load API keys" message={keys.error.message} onRetry={() => keys.refetch()} />;
  else if (keys.data.items.length === 0)
    list = (
      <EmptyState title="No API keys" testId="keys-empty">
        Agents need an <strong>ingest</strong> key of this project to send spans. Create one above.
      </EmptyState>
    );
  else {
    // Active keys first, newest first within each group.
    const items = [...keys.data.items].sort(
      (a, b) => Number(!!a.revoked_at) - Number(!!b.revoked_at) || b.created_at.localeCompare(a.created_at),
    );
    list = (
      <div className="table-wrap">
        <table className="table settings-table" data-testid="keys-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key</th>
              <th>Scope</th>
              <th>Created</th>
              <th>Last used</th>
              <th className="actions-col">Status</th>
            </tr>
          </thead>
          <tbody>
            {items.map((key) => (
              <tr
                key={key.id}
                className={key.revoked_at ? 'row-revoked' : undefined}
                data-testid="key-row"
                data-key-id={key.id}
                data-key-name={key.name}
              >
                <td>{key.name || <span className="muted">(unnamed)</span>}</td>
                <td className="mono muted" data-testid="key-prefix">
                  {key.prefix}…
                </td>
                <td>
                  <span className={`scope-badge scope-${key.scope}`} title={SCOPE_HELP[key.scope]}>
                    {key.scope}
                  </span>
                </td>
                <td>
                  <div>{formatDateTime(key.created_at)}</div>
                  {key.created_by ? <div className="muted small">by {key.created_by}</div> : null}
                </td>
                <td className="muted" title={key.last_used_at ?? undefined}>
                  {key.last_used_at ? formatRelative(key.last_used_at) : 'never'}
                </td>
                <td className="actions-col">
                  {key.revoked_at ? (
                    <span className="tag tag-muted" title={key.revoked_at} data-testid="key-revoked">
                      revoked {formatRelative(key.revoked_at)}
                    </span>
                  ) : (
                    <div className="row-actions">
                      <span className="tag tag-ok">active</span>
                      <button
                        type="button"
                        className="btn btn-small btn-danger-ghost"
                        onClick={() => {
                          revoke.reset();
                          setRevoking(key);
                        }}
                        data-testid="revoke-key"
                      >
                        Revoke
                      </button>
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }

  return (
    <>
      <section className="panel">
        <h2 className="panel-title">Create an API key for {project.name}</h2>
        <CreateKeyForm projectId={project.id} onCreated={setCreated} />
      </section>
      <section className="panel">
        <h2 className="panel-title">Keys</h2>
        {list}
      </section>
      <KeyCreatedDialog
        apiKey={created}
        title="API key created"
        projectName={project.name}
        onClose={() => setCreated(null)}
      />
      <ConfirmDialog
        open={revoking !== null}
        title={`Revoke key ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke key"
        danger
        busy={revoke.isPending}
        error={revoke.error?.message}
        onConfirm={() => revoking && revoke.mutate(revoking.id, { onSuccess: () => setRevoking(null) })}
        onClose={() => setRevoking(null)}
        testId="revoke-key-dialog"
      >
        <p>
          Every agent or script using <span className="mono">{revoking?.prefix}…</span> is refused within 5 seconds.
          This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

function CreateKeyForm({ projectId, onCreated }: { projectId: string; onCreated: (key: ApiKeyCreated) => void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('ingest');
  const [touched, setTouched] = useState(false);
  const create = useCreateKey(projectId);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!name.trim()) return;
    create.mutate(
      { name: name.trim(), scope },
      {
        onSuccess: (key) => {
          setName('');
          setScope('ingest'); // the safe default for the next one
          setTouched(false);
          onCreated(key);
        },
      },
    );
  };

  const error = create.error?.message ?? (touched && !name.trim() ? 'Give the key a name, e.g. where it is used.' : null);
  return (
    <form className="inline-form" onSubmit={submit} data-testid="create-key-form" noValidate>
      <label className="inline-form-field">
        <span className="field-label">Name</span>
        <input
          className="input"
          placeholder="e.g. prod support agent"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={100}
          data-testid="create-key-name"
        />
      </label>
      <label className="inline-form-field inline-form-narrow">
        <span className="field-label">Scope</span>
        <select
          className="input"
          value={scope}
          onChange={(e) => setScope(e.target.value as ApiKeyScope)}
          data-testid="create-key-scope"
        >
          <option value="ingest">ingest</option>
          <option value="read">read</option>
        </select>
      </label>
      <button type="submit" className="btn btn-primary" disabled={create.isPending} data-testid="create-key-submit">
        {create.isPending ? 'Creating…' : 'Create key'}
      </button>
      <div className="inline-form-help muted small">
        <strong>{scope}</strong>: {SCOPE_HELP[scope]}.
      </div>
      {error ? (
        <div className="field-error inline-form-error" role="alert" data-testid="create-key-error">
          {error}
        </div>
      ) : null}
    </form>
  );
}
