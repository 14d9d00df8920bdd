import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { queryKeys } from '../../../api/queryKeys';
import { createView, deleteView, listViews } from '../../../api/traces';
import { Dropdown } from '../../../components/Dropdown';
import { tracesHref } from '../../../lib/routes';

interface SavedViewsProps {
  projectId: string;
  /** The current list state as a URL search string. */
  search: string;
  /** Members and above may save and delete views; viewers only use them. */
  canEdit: boolean;
}

/** Named trace-list states of a project, shared by its members (a view is its URL's query string). */
export function SavedViews({ projectId, search, canEdit }: SavedViewsProps) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const views = useQuery({ queryKey: queryKeys.views(projectId), queryFn: ({ signal }) => listViews(projectId, signal) });
  const refresh = () => client.invalidateQueries({ queryKey: queryKeys.views(projectId) });
  const create = useMutation({
    mutationFn: (name: string) => createView(projectId, { name, filters: search }),
    onSuccess: refresh,
    onError: (e) => window.alert(`Could not save the view: ${e.message}`),
  });
  const remove = useMutation({ mutationFn: (viewId: string) => deleteView(projectId, viewId), onSuccess: refresh });
  const items = views.data?.items ?? [];

  return (
    <Dropdown
      label={`Views${items.length ? ` (${items.length})` : ''}`}
      triggerClassName="btn btn-small"
      testId="saved-views"
      align="right"
    >
      {(close) => (
        <div className="saved-views">
          {views.error ? <div className="dropdown-empty text-error small">{views.error.message}</div> : null}
          {!views.error && !items.length ? <div className="dropdown-empty muted small">No saved views yet</div> : null}
          {items.map((v) => (
            <div key={v.id} className="saved-view-row">
              <button
                type="button"
                className="dropdown-item"
                data-testid="saved-view"
                title={v.filters || 'all traces'}
                onClick={() => {
                  close();
                  navigate(`${tracesHref(projectId)}${v.filters ? `?${v.filters}` : ''}`);
                }}
              >
                {v.name}
              </button>
              {canEdit ? (
                <button
                  type="button"
                  className="link-button small"
                  aria-label={`Delete view ${v.name}`}
                  onClick={() => remove.mutate(v.id)}
                >
                  ✕
                </button>
              ) : null}
            </div>
          ))}
          {canEdit ? (
            <>
              <hr className="dropdown-sep" />
              <button
                type="button"
                className="dropdown-item"
                onClick={() => {
                  close();
                  const name = window.prompt('Name this view (its filters, time range and sort):')?.trim();
                  if (name) create.mutate(name);
                }}
                data-testid="save-view"
              >
                Save current view…
              </button>
            </>
          ) : null}
        </div>
      )}
    </Dropdown>
  );
}
