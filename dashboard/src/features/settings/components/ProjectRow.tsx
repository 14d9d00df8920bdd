import { useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import type { ProjectSummary, Role } from '../../../api/types';
import { formatDateTime } from '../../../lib/format';
import { tracesHref } from '../../../lib/routes';
import { RoleBadge } from '../../projects/components/RoleBadge';
import { useRenameProject } from '../../projects/hooks/useProjectMutations';
import { denyReason } from '../../projects/roles';

interface ProjectRowProps {
  project: ProjectSummary;
  /** The caller's effective role in this project. */
  role: Role;
  isCurrent: boolean;
  onDelete: () => void;
}

/** One project in Settings → Projects, with inline rename. */
export function ProjectRow({ project, role, isCurrent, onDelete }: ProjectRowProps) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(project.name);
  const rename = useRenameProject();
  const renameDenied = denyReason(role, 'admin', 'rename a project');
  const deleteDenied = denyReason(role, 'owner', 'delete a project');

  const save = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || trimmed === project.name) {
      setEditing(false);
      return;
    }
    rename.mutate({ projectId: project.id, name: trimmed }, { onSuccess: () => setEditing(false) });
  };

  return (
    <tr data-testid="project-row" data-project-id={project.id}>
      <td>
        {editing ? (
          <form className="row-form" onSubmit={save}>
            <input
              className="input input-small"
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoFocus
              maxLength={100}
              aria-label="Project name"
              data-testid="rename-input"
            />
            <button type="submit" className="btn btn-small btn-primary" disabled={rename.isPending} data-testid="rename-save">
              {rename.isPending ? 'Saving…' : 'Save'}
            </button>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => {
                setEditing(false);
                setName(project.name);
                rename.reset();
              }}
            >
              Cancel
            </button>
            {rename.error ? (
              <span className="field-error" role="alert">
                {rename.error.message}
              </span>
            ) : null}
          </form>
        ) : (
          <>
            <Link to={tracesHref(project.id)} className="row-link" data-testid="project-name">
              {project.name}
            </Link>
            {isCurrent ? <span className="tag">current</span> : null}
            <div className="mono muted small">{project.id}</div>
          </>
        )}
      </td>
      <td>
        <RoleBadge role={role} />
      </td>
      <td className="muted">{formatDateTime(project.created_at)}</td>
      <td className="actions-col">
        <div className="row-actions">
          <button
            type="button"
            className="btn btn-small"
            disabled={renameDenied !== null || editing}
            title={renameDenied ?? 'Rename this project'}
            onClick={() => {
              setName(project.name);
              setEditing(true);
            }}
            data-testid="rename-project"
          >
            Rename
          </button>
          <button
            type="button"
            className="btn btn-small btn-danger-ghost"
            disabled={deleteDenied !== null}
            title={deleteDenied ?? 'Delete this project and its data'}
            onClick={onDelete}
            data-testid="delete-project"
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}
