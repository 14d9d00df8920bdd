import { Navigate, NavLink, useLocation, useParams } from 'react-router-dom';
import { isSettingsTab, settingsHref, type SettingsTab } from '../../../lib/routes';
import { useOptionalProject } from '../../projects/hooks/useCurrentProject';
import { AccountTab } from '../components/AccountTab';
import { KeysTab } from '../components/KeysTab';
import { MembersTab } from '../components/MembersTab';
import { NotificationsTab } from '../components/NotificationsTab';
import { ProjectsTab } from '../components/ProjectsTab';
import { UsersTab } from '../components/UsersTab';
import { useMe } from '../../auth/hooks/useMe';

const TAB_LABELS: Record<SettingsTab, string> = {
  projects: 'Projects',
  keys: 'API keys',
  members: 'Members',
  notifications: 'Notifications',
  users: 'Users',
  account: 'Account',
};

/** Tabs that belong to one project, so they need one in the URL. */
const PROJECT_TABS: readonly SettingsTab[] = ['keys', 'members', 'notifications'];

/** `/p/{projectId}/settings/{tab}` (and `/settings/{tab}` for a user without projects). */
export function SettingsPage() {
  const current = useOptionalProject();
  const { tab } = useParams();
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const projectId = current?.project.id ?? null;
  const isInstanceAdmin = useMe().data?.user.is_admin ?? false;

  if (!isSettingsTab(tab)) return <Navigate to={settingsHref(projectId, 'projects')} replace />;
  if (!current && PROJECT_TABS.includes(tab)) return <Navigate to={settingsHref(null, 'projects')} replace />;

  return (
    <div className="page page-settings" data-testid="settings-page">
      <div className="page-header">
        <div>
          <h1 className="page-title">Settings</h1>
          <p className="page-subtitle muted">
            {current ? (
              <>
                Project <strong>{current.project.name}</strong> · you are {current.role === 'owner' || current.role === 'admin' ? 'an' : 'a'}{' '}
                {current.role}
                {current.me.user.is_admin ? ' (instance admin)' : ''}
              </>
            ) : (
              'You have no project yet'
            )}
          </p>
        </div>
      </div>
      <nav className="tabs" role="tablist" aria-label="Settings">
        {(Object.keys(TAB_LABELS) as SettingsTab[])
          .filter((name) => name !== 'users' || isInstanceAdmin) // only instance admins manage accounts
          .map((name) => {
          const needsProject = PROJECT_TABS.includes(name) && !current;
          return needsProject ? (
            <span key={name} className="tab disabled" title="Create or choose a project first" aria-disabled="true">
              {TAB_LABELS[name]}
            </span>
          ) : (
            <NavLink
              key={name}
              to={settingsHref(projectId, name)}
              role="tab"
              aria-selected={tab === name}
              className={`tab${tab === name ? ' active' : ''}`}
              data-testid={`tab-${name}`}
            >
              {TAB_LABELS[name]}
            </NavLink>
          );
        })}
      </nav>
      {notice ? (
        <div className="alert alert-info" role="status" data-testid="settings-notice">
          {notice}
        </div>
      ) : null}
      <div className="tab-panel" role="tabpanel" data-testid={`panel-${tab}`}>
        {tab === 'projects' ? <ProjectsTab /> : null}
        {tab === 'keys' && current ? <KeysTab key={current.project.id} /> : null}
        {tab === 'members' && current ? <MembersTab key={current.project.id} /> : null}
        {tab === 'notifications' && current ? <NotificationsTab key={current.project.id} /> : null}
        {tab === 'users' ? <UsersTab /> : null}
        {tab === 'account' ? <AccountTab /> : null}
      </div>
    </div>
  );
}
