import { useLocation, useNavigate } from 'react-router-dom';
import type { Me } from '../../../api/types';
import { Dropdown } from '../../../components/Dropdown';
import { sameViewInProject, settingsHref } from '../../../lib/routes';
import { effectiveRole } from '../roles';
import { RoleBadge } from './RoleBadge';

interface ProjectSwitcherProps {
  me: Me;
  currentProjectId: string | null;
}

/** Top-bar menu of the user's projects; choosing one opens the same view (traces, a settings tab) there. */
export function ProjectSwitcher({ me, currentProjectId }: ProjectSwitcherProps) {
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const current = me.projects.find((p) => p.id === currentProjectId);

  return (
    <Dropdown
      testId="project-switcher"
      triggerClassName="project-switcher"
      triggerTitle="Switch project"
      label={
        <>
          <span className="project-switcher-label muted">Project</span>
          <span className="project-switcher-name" data-testid="current-project">
            {current?.name ?? 'Choose a project'}
          </span>
          <span className="caret" aria-hidden="true">
            ▾
          </span>
        </>
      }
    >
      {(close) => (
        <>
          <div className="dropdown-heading">Your projects</div>
          {me.projects.length === 0 ? <div className="dropdown-empty muted">No projects yet.</div> : null}
          {me.projects.map((project) => (
            <button
              key={project.id}
              type="button"
              role="menuitemradio"
              aria-checked={project.id === currentProjectId}
              className={`dropdown-item${project.id === currentProjectId ? ' selected' : ''}`}
              data-testid="project-option"
              data-project-id={project.id}
              onClick={() => {
                close();
                navigate(sameViewInProject(pathname, project.id));
              }}
            >
              <span className="dropdown-item-text">{project.name}</span>
              <RoleBadge role={effectiveRole(me, project)} />
            </button>
          ))}
          <div className="dropdown-separator" />
          <button
            type="button"
            role="menuitem"
            className="dropdown-item"
            data-testid="manage-projects"
            onClick={() => {
              close();
              navigate(settingsHref(currentProjectId, 'projects'));
            }}
          >
            Manage projects…
          </button>
        </>
      )}
    </Dropdown>
  );
}
