import { Link, NavLink, useMatch } from 'react-router-dom';
import type { Me } from '../api/types';
import { UserMenu } from '../features/auth/components/UserMenu';
import { ProjectSwitcher } from '../features/projects/components/ProjectSwitcher';
import { PROJECT_SECTIONS, settingsHref } from '../lib/routes';

interface TopBarProps {
  me: Me;
}

/** Brand, project switcher and sections on the left; the user menu on the right. */
export function TopBar({ me }: TopBarProps) {
  const match = useMatch('/p/:projectId/*');
  const projectId = match?.params.projectId ?? null;
  const known = projectId !== null && me.projects.some((p) => p.id === projectId);
  const navClass = ({ isActive }: { isActive: boolean }) => `topnav-link${isActive ? ' active' : ''}`;

  return (
    <header className="topbar">
      <div className="topbar-left">
        <Link to="/" className="brand" aria-label="AgentStack home">
          <span className="brand-mark" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          <span className="brand-name">AgentStack</span>
        </Link>
        {me.projects.length > 0 ? <ProjectSwitcher me={me} currentProjectId={known ? projectId : null} /> : null}
        {known ? (
          <nav className="topnav" aria-label="Main">
            {PROJECT_SECTIONS.map((section) => (
              <NavLink key={section.id} to={section.href(projectId)} className={navClass} data-testid={`nav-${section.id}`}>
                {section.label}
              </NavLink>
            ))}
          </nav>
        ) : (
          <nav className="topnav" aria-label="Main">
            <NavLink to={settingsHref(null, 'account')} className={navClass} data-testid="nav-settings">
              Settings
            </NavLink>
          </nav>
        )}
      </div>
      <div className="topbar-right">
        <UserMenu me={me} currentProjectId={known ? projectId : null} />
      </div>
    </header>
  );
}
