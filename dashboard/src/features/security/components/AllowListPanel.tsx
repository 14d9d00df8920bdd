import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import type { Role } from '../../../api/types';
import { formatDateTime } from '../../../lib/format';
import { atLeast } from '../../projects/roles';
import { useAllowList, useDeleteAllowListEntry } from '../hooks/useSecurity';

/** Values the scanner no longer reports in this project (most come from false-positive marks); admins remove them. */
export function AllowListPanel({ projectId, role }: { projectId: string; role: Role }) {
  const { data, error, isPending, refetch } = useAllowList(projectId);
  const remove = useDeleteAllowListEntry(projectId);
  const isAdmin = atLeast(role, 'admin');

  let body;
  if (isPending) body = <LoadingState label="Loading the allow-list…" />;
  else if (error || !data) body = <ErrorState title="Could not load the allow-list" message={error?.message ?? ''} onRetry={() => refetch()} />;
  else if (data.items.length === 0)
    body = (
      <EmptyState title="Nothing allowed yet" testId="allow-list-empty">
        Marking an alert as a false positive adds its value here, so it is not raised again.
      </EmptyState>
    );
  else
    body = (
      <div className="table-wrap">
        <table className="table settings-table" data-testid="allow-list-table">
          <thead>
            <tr>
              <th>Kind</th>
              <th>Entity</th>
              <th>Value</th>
              <th>From alert</th>
              <th>Added</th>
              {isAdmin ? <th className="actions-col" /> : null}
            </tr>
          </thead>
          <tbody>
            {data.items.map((entry) => (
              <tr key={entry.id} data-testid="allow-list-row">
                <td>{entry.kind === 'digest' ? 'exact value (digest)' : entry.kind}</td>
                <td className="mono small">{entry.entity_type || '—'}</td>
                <td className="mono small" title={entry.value}>
                  {entry.value.length > 28 ? `${entry.value.slice(0, 28)}…` : entry.value}
                </td>
                <td className="mono small">{entry.source_alert_id ? entry.source_alert_id.slice(0, 10) : '—'}</td>
                <td className="small">
                  {entry.created_by}
                  <div className="muted">{formatDateTime(entry.created_at)}</div>
                </td>
                {isAdmin ? (
                  <td className="actions-col">
                    <button type="button" className="btn btn-ghost btn-small" disabled={remove.isPending}
                      onClick={() => remove.mutate(entry.id)} data-testid="allow-list-remove">
                      Remove
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

  return (
    <section className="panel" data-testid="allow-list-panel">
      <h2 className="panel-title">Allow-list</h2>
      {remove.error ? <InlineError message={remove.error.message} /> : null}
      {body}
    </section>
  );
}
