import { useState, type FormEvent } from 'react';
import '../../../components/charts/charts.css';
import './notifications.css';
import { ConfirmDialog } from '../../../components/ConfirmDialog';
import { CopyButton } from '../../../components/CopyButton';
import { Dialog } from '../../../components/Dialog';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import { SeverityBadge } from '../../../components/charts/SeverityBadge';
import { formatDateTime, formatRelative } from '../../../lib/format';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { atLeast } from '../../projects/roles';
import {
  DELIVERY_REFRESH_MS,
  useChannelMutations,
  useChannels,
  useDeliveries,
  type Channel,
  type ChannelCreated,
  type ChannelIn,
} from './notificationsData';

const SEVERITY_OPTIONS: ChannelIn['min_severity'][] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

function budget(value: number | null): string {
  return value ? `$${value.toLocaleString('en')}` : '—';
}

/** Settings → Notifications: webhook/Slack channels of the project, "send test", and the delivery log. */
export function NotificationsTab() {
  const { project, role } = useCurrentProject();
  const isAdmin = atLeast(role, 'admin');
  const channels = useChannels(project.id);
  const deliveries = useDeliveries(project.id);
  const { update, remove, test } = useChannelMutations(project.id);
  const [created, setCreated] = useState<ChannelCreated | null>(null);
  const [deleting, setDeleting] = useState<Channel | null>(null);
  const names = new Map((channels.data?.items ?? []).map((c) => [c.id, c.name]));

  let list;
  if (channels.isPending) list = <LoadingState label="Loading channels…" />;
  else if (channels.isError) list = <ErrorState title="Could not load channels" message={channels.error.message} onRetry={() => channels.refetch()} />;
  else if (channels.data.items.length === 0)
    list = (
      <EmptyState title="No channels" testId="channels-empty">
        Add a webhook or a Slack incoming-webhook URL to be told about alerts and budgets as they happen.
      </EmptyState>
    );
  else
    list = (
      <div className="table-wrap">
        <table className="table settings-table" data-testid="channels-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Alerts from</th>
              <th>Budgets (day / month)</th>
              {isAdmin ? <th className="actions-col" /> : null}
            </tr>
          </thead>
          <tbody>
            {channels.data.items.map((c) => (
              <tr key={c.id} data-testid="channel-row" data-channel-name={c.name}>
                <td>
                  {c.name}{' '}
                  {c.enabled ? null : <span className="tag tag-muted">paused</span>}
                  <div className="muted small">
                    {c.kind === 'slack' ? 'Slack' : 'Webhook (JSON)'} · <span className="mono">{c.url_hint}</span>
                  </div>
                </td>
                <td>
                  {isAdmin ? (
                    <select className="input input-small" aria-label={`Minimum severity of ${c.name}`} value={c.min_severity}
                      disabled={update.isPending}
                      onChange={(e) => update.mutate({ id: c.id, patch: { min_severity: e.target.value as Channel['min_severity'] } })}>
                      {SEVERITY_OPTIONS.map((s) => (
                        <option key={s} value={s}>
                          {s.toLowerCase()} and above
                        </option>
                      ))}
                    </select>
                  ) : (
                    <SeverityBadge severity={c.min_severity} />
                  )}
                </td>
                <td>
                  {budget(c.daily_budget_usd)} / {budget(c.monthly_budget_usd)}
                </td>
                {isAdmin ? (
                  <td className="actions-col">
                    <div className="row-actions">
                      <button type="button" className="btn btn-small" disabled={test.isPending}
                        onClick={() => test.mutate(c.id)} data-testid="channel-test">
                        Send test
                      </button>
                      <button type="button" className="btn btn-small btn-ghost" disabled={update.isPending}
                        onClick={() => update.mutate({ id: c.id, patch: { enabled: !c.enabled } })}>
                        {c.enabled ? 'Pause' : 'Resume'}
                      </button>
                      <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => { remove.reset(); setDeleting(c); }}
                        data-testid="channel-delete">
                        Delete
                      </button>
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <>
      {isAdmin ? (
        <section className="panel">
          <h2 className="panel-title">Add a channel</h2>
          <p className="panel-text muted">
            Alerts at or above the chosen severity, and a daily or monthly cost above a budget, are posted to the URL
            (retried with backoff until it answers 2xx). Each body is signed: the <code>X-AgentStack-Signature</code>{' '}
            header is <code>sha256=</code> HMAC-SHA256 of the body with the channel’s signing secret.
          </p>
          <CreateChannelForm projectId={project.id} onCreated={setCreated} />
        </section>
      ) : null}
      <section className="panel">
        <h2 className="panel-title">Channels</h2>
        {!isAdmin ? <p className="muted small">Only admins and owners add or change channels; you are a {role}.</p> : null}
        {update.error ? <InlineError message={update.error.message} /> : null}
        {test.error ? <InlineError message={`Test failed: ${test.error.message}`} /> : null}
        {test.data ? (
          <p className={`small ${test.data.status === 'delivered' ? 'text-ok' : 'text-error'}`} role="status" data-testid="channel-test-result">
            Test to {names.get(test.data.channel_id) ?? 'the channel'}: {test.data.status}
            {test.data.http_status ? ` (HTTP ${test.data.http_status})` : ''}
            {test.data.error ? ` — ${test.data.error}` : ''}
          </p>
        ) : null}
        {list}
      </section>
      <section className="panel">
        <h2 className="panel-title">Delivery log</h2>
        <p className="panel-text muted">The last 50 sends of this project · refreshes every {DELIVERY_REFRESH_MS / 1000}s</p>
        {deliveries.isPending ? (
          <LoadingState label="Loading deliveries…" />
        ) : deliveries.isError ? (
          <ErrorState title="Could not load the delivery log" message={deliveries.error.message} onRetry={() => deliveries.refetch()} />
        ) : deliveries.data.items.length === 0 ? (
          <EmptyState title="Nothing sent yet" testId="deliveries-empty">
            Use “Send test” to check a channel.
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table settings-table" data-testid="deliveries-table">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Channel</th>
                  <th>Event</th>
                  <th>Status</th>
                  <th className="num">Attempts</th>
                  <th>Answer</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.data.items.map((d) => (
                  <tr key={d.id} data-testid="delivery-row" data-status={d.status}>
                    <td title={formatDateTime(d.updated_at)}>{formatRelative(d.updated_at)}</td>
                    <td>{names.get(d.channel_id) ?? <span className="muted">deleted</span>}</td>
                    <td>
                      {d.event_kind}
                      <div className="muted small mono">{d.event_id.slice(0, 16)}</div>
                    </td>
                    <td>
                      <span className={`tag ${d.status === 'delivered' ? 'tag-ok' : d.status === 'failed' ? 'tag-error' : 'tag-muted'}`}>
                        {d.status}
                      </span>
                    </td>
                    <td className="num">{d.attempts}</td>
                    <td className="small">
                      {d.http_status ? `HTTP ${d.http_status}` : ''}
                      {d.error ? <div className="muted delivery-error" title={d.error}>{d.error}</div> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <Dialog open={created !== null} title="Channel added" onClose={() => setCreated(null)} closeOnBackdrop={false}
        testId="channel-created-dialog" wide
        footer={
          <button type="button" className="btn btn-primary" onClick={() => setCreated(null)} data-testid="channel-dialog-done">
            I have copied the secret
          </button>
        }>
        {created ? (
          <>
            <div className="alert alert-warning" role="note">
              Copy the signing secret now: it is shown only once. Your receiver checks{' '}
              <code>X-AgentStack-Signature: sha256=HMAC-SHA256(secret, body)</code>.
            </div>
            <div className="key-reveal">
              <code className="mono key-reveal-value" data-testid="channel-secret">{created.signing_secret}</code>
              <CopyButton value={created.signing_secret} label="Copy secret" showLabel />
            </div>
          </>
        ) : null}
      </Dialog>
      <ConfirmDialog open={deleting !== null} title={`Delete channel ${deleting?.name ?? ''}?`} confirmLabel="Delete channel" danger
        busy={remove.isPending} error={remove.error?.message}
        onConfirm={() => deleting && remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        onClose={() => setDeleting(null)} testId="delete-channel-dialog">
        <p>Nothing more is sent to {deleting?.url_hint}. Its delivery log goes with it.</p>
      </ConfirmDialog>
    </>
  );
}

function CreateChannelForm({ projectId, onCreated }: { projectId: string; onCreated: (c: ChannelCreated) => void }) {
  const { create } = useChannelMutations(projectId);
  const [form, setForm] = useState({ name: '', kind: 'webhook' as ChannelIn['kind'], url: '', min_severity: 'HIGH' as ChannelIn['min_severity'], daily: '', monthly: '' });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: ChannelIn = {
      name: form.name.trim() || (form.kind === 'slack' ? 'Slack' : 'webhook'),
      kind: form.kind,
      url: form.url.trim(),
      min_severity: form.min_severity,
      daily_budget_usd: form.daily ? Number(form.daily) : null,
      monthly_budget_usd: form.monthly ? Number(form.monthly) : null,
    };
    create.mutate(body, {
      onSuccess: (channel) => {
        setForm({ ...form, name: '', url: '', daily: '', monthly: '' });
        onCreated(channel);
      },
    });
  };

  return (
    <form className="channel-form" onSubmit={submit} data-testid="channel-form">
      <label className="field">
        <span className="field-label">Name</span>
        <input className="input" value={form.name} maxLength={100} placeholder="on-call" onChange={(e) => setForm({ ...form, name: e.target.value })}
          data-testid="channel-name" />
      </label>
      <label className="field">
        <span className="field-label">Format</span>
        <select className="input" value={form.kind} onChange={(e) => setForm({ ...form, kind: e.target.value as ChannelIn['kind'] })}
          data-testid="channel-kind">
          <option value="webhook">Webhook (JSON)</option>
          <option value="slack">Slack</option>
        </select>
      </label>
      <label className="field channel-url">
        <span className="field-label">URL (stored encrypted; never shown again)</span>
        <input className="input" type="url" required value={form.url} placeholder="https://hooks.example.com/…"
          onChange={(e) => setForm({ ...form, url: e.target.value })} data-testid="channel-url" />
      </label>
      <label className="field">
        <span className="field-label">Alerts from</span>
        <select className="input" value={form.min_severity} onChange={(e) => setForm({ ...form, min_severity: e.target.value as ChannelIn['min_severity'] })}
          data-testid="channel-severity">
          {SEVERITY_OPTIONS.map((s) => (
            <option key={s} value={s}>
              {s.toLowerCase()} and above
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Daily budget ($)</span>
        <input className="input" type="number" min="0" step="any" value={form.daily} placeholder="none"
          onChange={(e) => setForm({ ...form, daily: e.target.value })} data-testid="channel-daily" />
      </label>
      <label className="field">
        <span className="field-label">Monthly budget ($)</span>
        <input className="input" type="number" min="0" step="any" value={form.monthly} placeholder="none"
          onChange={(e) => setForm({ ...form, monthly: e.target.value })} data-testid="channel-monthly" />
      </label>
      <div className="channel-form-actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={create.isPending} data-testid="channel-create">
          {create.isPending ? 'Adding…' : 'Add channel'}
        </button>
      </div>
      {create.error ? <InlineError message={create.error.message} /> : null}
    </form>
  );
}
