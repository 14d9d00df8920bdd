import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import { SeverityBadge } from '../../../components/charts/SeverityBadge';
import type { Role } from '../../../api/types';
import { formatDateTime } from '../../../lib/format';
import { traceHref } from '../../../lib/routes';
import { atLeast, denyReason } from '../../projects/roles';
import { RULE_EXPLANATIONS, RULE_LABELS, STATUS_LABELS } from '../alertFilters';
import type { Alert, AllowListEntry } from '../api';
import { useAlert, useDeleteAllowListEntry, useSetAlertStatus } from '../hooks/useSecurity';

interface AlertDrawerProps {
  projectId: string;
  alertId: string;
  role: Role;
  onClose: () => void;
}

/** The detail of one alert beside the list: excerpt, rule explanation, span link, status actions. */
export function AlertDrawer({ projectId, alertId, role, onClose }: AlertDrawerProps) {
  const { data: alert, error, isPending, refetch } = useAlert(projectId, alertId);
  const setStatus = useSetAlertStatus(projectId);
  const undo = useDeleteAllowListEntry(projectId);
  const [noteOpen, setNoteOpen] = useState(false);
  const [note, setNote] = useState('');
  const [added, setAdded] = useState<AllowListEntry[]>([]);
  const [undone, setUndone] = useState(false);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const change = (status: Alert['status'], withNote = '') =>
    setStatus.mutate(
      { alertId, status, note: withNote },
      {
        onSuccess: (result) => {
          setNoteOpen(false);
          setNote('');
          setAdded(result.allow_list_added);
          setUndone(false);
          void refetch();
        },
      },
    );

  const canChange = atLeast(role, 'member');
  const why = denyReason(role, 'member', 'change an alert’s status');

  let body;
  if (isPending) body = <LoadingState label="Loading the alert…" />;
  else if (error || !alert) body = <ErrorState title="Could not load the alert" message={error?.message ?? ''} onRetry={() => refetch()} />;
  else {
    body = (
      <>
        <div className="drawer-header">
          <div>
            <SeverityBadge severity={alert.severity} />
            <h2 className="drawer-title" data-testid="alert-drawer-title">
              {RULE_LABELS[alert.rule] ?? alert.rule}
              {alert.entity_types.length ? <span className="muted"> · {alert.entity_types.join(', ')}</span> : null}
            </h2>
          </div>
          <button type="button" className="btn btn-icon btn-ghost" aria-label="Close" onClick={onClose}
            data-testid="alert-drawer-close">
            ×
          </button>
        </div>
        <dl className="facts drawer-facts">
          <dt>Time</dt>
          <dd>{formatDateTime(alert.created_at)}</dd>
          <dt>Score</dt>
          <dd>{Math.round(alert.score)} / 100</dd>
          <dt>Service</dt>
          <dd>{alert.service_name || '—'}</dd>
          <dt>Span</dt>
          <dd>
            <Link to={traceHref(projectId, alert.trace_id, alert.span_id)} data-testid="alert-span-link">
              {alert.span_name || alert.span_id}
            </Link>
            <span className="muted"> in {alert.trace_name || alert.trace_id}</span>
          </dd>
          <dt>Status</dt>
          <dd data-testid="alert-drawer-status">
            <span className={`alert-status status-${alert.status}`}>{STATUS_LABELS[alert.status] ?? alert.status}</span>
            {alert.status_by ? (
              <span className="muted small">
                {' '}
                by {alert.status_by}
                {alert.status_at ? `, ${formatDateTime(alert.status_at)}` : ''}
              </span>
            ) : null}
            {alert.status_note ? <span className="drawer-note">“{alert.status_note}”</span> : null}
          </dd>
        </dl>

        <h3 className="drawer-subtitle">Redacted excerpt</h3>
        <pre className="code-block drawer-excerpt" data-testid="alert-excerpt">{alert.excerpt || '(no excerpt)'}</pre>

        <h3 className="drawer-subtitle">About this rule</h3>
        <p className="drawer-text" data-testid="alert-rule-explanation">
          {RULE_EXPLANATIONS[alert.rule] ?? 'A finding of the security scanner.'}
        </p>

        <h3 className="drawer-subtitle">Actions</h3>
        {why ? <p className="muted small">{why}</p> : null}
        <div className="button-row" data-testid="alert-actions">
          <button type="button" className="btn btn-small" disabled={!canChange || setStatus.isPending || alert.status === 'acknowledged'}
            onClick={() => change('acknowledged')} data-testid="alert-acknowledge">
            Acknowledge
          </button>
          <button type="button" className="btn btn-small" disabled={!canChange || setStatus.isPending || alert.status === 'resolved'}
            onClick={() => change('resolved')} data-testid="alert-resolve">
            Resolve
          </button>
          <button type="button" className="btn btn-small" disabled={!canChange || setStatus.isPending || alert.status === 'false_positive'}
            onClick={() => setNoteOpen(true)} data-testid="alert-false-positive">
            False positive…
          </button>
          {alert.status !== 'open' ? (
            <button type="button" className="btn btn-small btn-ghost" disabled={!canChange || setStatus.isPending}
              onClick={() => change('open')} data-testid="alert-reopen">
              Reopen
            </button>
          ) : null}
        </div>
        {noteOpen ? (
          <form
            className="drawer-fp-form"
            onSubmit={(e) => {
              e.preventDefault();
              change('false_positive', note.trim());
            }}
          >
            <label className="field-label" htmlFor="fp-note">
              Why is this not a real finding? (kept with the alert)
            </label>
            <textarea id="fp-note" className="input drawer-textarea" rows={3} value={note}
              onChange={(e) => setNote(e.target.value)} data-testid="alert-fp-note"
              placeholder="e.g. our public support address" />
            <p className="muted small">
              The value is added to the project’s allow-list, so the same finding is not raised again.
            </p>
            <div className="button-row">
              <button type="submit" className="btn btn-primary btn-small" disabled={setStatus.isPending}
                data-testid="alert-fp-confirm">
                Mark false positive
              </button>
              <button type="button" className="btn btn-ghost btn-small" onClick={() => setNoteOpen(false)}>
                Cancel
              </button>
            </div>
          </form>
        ) : null}
        {setStatus.error ? <InlineError message={setStatus.error.message} /> : null}
        {added.length ? (
          <div className="alert alert-info drawer-added" role="status" data-testid="allow-list-added">
            {undone ? (
              'Removed from the allow-list: this value will be reported again.'
            ) : (
              <>
                <span>
                  Added to the allow-list:{' '}
                  {added.map((entry) => (
                    <code key={entry.id} className="mono small" title={entry.value}>
                      {entry.entity_type || entry.kind} {entry.kind === 'digest' ? '(exact value)' : entry.value}
                    </code>
                  ))}
                  . The same value is not raised again in this project.
                </span>
                {atLeast(role, 'admin') ? (
                  <button type="button" className="btn btn-ghost btn-small" disabled={undo.isPending}
                    onClick={() => Promise.all(added.map((entry) => undo.mutateAsync(entry.id))).then(() => setUndone(true))}
                    data-testid="allow-list-undo">
                    Undo
                  </button>
                ) : null}
              </>
            )}
          </div>
        ) : setStatus.isSuccess && alert.status === 'false_positive' && !added.length ? (
          <p className="muted small" role="status">No exact value was recorded for this alert, so nothing was added to the allow-list.</p>
        ) : null}
      </>
    );
  }

  return (
    <aside className="drawer" aria-label="Alert detail" data-testid="alert-drawer">
      {body}
    </aside>
  );
}
