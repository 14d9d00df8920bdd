import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Dropdown } from '../../../components/Dropdown';
import { tracesHref } from '../../../lib/routes';

interface SavedView {
  name: string;
  /** The list's URL search string (filters, range, sort). */
  search: string;
}

interface SavedViewsProps {
  projectId: string;
  /** The current list state as a URL search string. */
  search: string;
}

const key = (projectId: string) => `agentstack.savedViews.${projectId}`;

function load(projectId: string): SavedView[] {
  try {
    const v = JSON.parse(localStorage.getItem(key(projectId)) ?? '[]') as unknown;
    return Array.isArray(v)
      ? v.filter((x): x is SavedView => typeof x?.name === 'string' && typeof x?.search === 'string')
      : [];
  } catch {
    return [];
  }
}

/**
 * Named list states per project, kept in this browser (the API has no saved views yet). A view is its URL,
 * so a saved view can also be shared as a link.
 */
export function SavedViews({ projectId, search }: SavedViewsProps) {
  const navigate = useNavigate();
  const [views, setViews] = useState(() => load(projectId));
  const store = (next: SavedView[]) => {
    setViews(next);
    try {
      localStorage.setItem(key(projectId), JSON.stringify(next));
    } catch {
      // storage disabled: views last for this page
    }
  };
  const save = () => {
    const name = window.prompt('Name this view (its filters, time range and sort):')?.trim();
    if (!name) return;
    store([...views.filter((v) => v.name !== name), { name, search }]);
  };
  return (
    <Dropdown label={`Views${views.length ? ` (${views.length})` : ''}`} triggerClassName="btn btn-small" testId="saved-views" align="right">
      {(close) => (
        <div className="saved-views">
          {views.map((v) => (
            <div key={v.name} className="saved-view-row">
              <button
                type="button"
                className="dropdown-item"
                data-testid="saved-view"
                onClick={() => {
                  close();
                  navigate(`${tracesHref(projectId)}${v.search ? `?${v.search}` : ''}`);
                }}
              >
                {v.name}
              </button>
              <button
                type="button"
                className="link-button small"
                aria-label={`Delete view ${v.name}`}
                onClick={() => store(views.filter((x) => x.name !== v.name))}
              >
                ✕
              </button>
            </div>
          ))}
          {views.length ? <hr className="dropdown-sep" /> : null}
          <button
            type="button"
            className="dropdown-item"
            onClick={() => {
              close();
              save();
            }}
            data-testid="save-view"
          >
            Save current view…
          </button>
        </div>
      )}
    </Dropdown>
  );
}
