import { useNavigate } from 'react-router-dom';
import type { Me } from '../../../api/types';
import { Dropdown } from '../../../components/Dropdown';
import { settingsHref } from '../../../lib/routes';
import { useLogout } from '../hooks/useSessionActions';

interface UserMenuProps {
  me: Me;
  currentProjectId: string | null;
}

/** Top-bar avatar: who is logged in, the account settings, log out. */
export function UserMenu({ me, currentProjectId }: UserMenuProps) {
  const navigate = useNavigate();
  const logout = useLogout();
  const initial = me.user.email.trim().charAt(0).toUpperCase() || '?';

  return (
    <Dropdown
      testId="user-menu"
      align="right"
      triggerClassName="avatar-button"
      triggerTitle={`Logged in as ${me.user.email}`}
      label={
        <span className="avatar" aria-hidden="true">
          {initial}
        </span>
      }
    >
      {(close) => (
        <>
          <div className="dropdown-user">
            <div className="dropdown-user-email" data-testid="user-email">
              {me.user.email}
            </div>
            <div className="muted small">{me.user.is_admin ? 'Instance admin' : 'User'}</div>
          </div>
          <div className="dropdown-separator" />
          <button
            type="button"
            role="menuitem"
            className="dropdown-item"
            data-testid="menu-account"
            onClick={() => {
              close();
              navigate(settingsHref(currentProjectId, 'account'));
            }}
          >
            Account
          </button>
          <button
            type="button"
            role="menuitem"
            className="dropdown-item"
            data-testid="menu-logout"
            disabled={logout.isPending}
            onClick={() => {
              close();
              logout.mutate();
            }}
          >
            Log out
          </button>
        </>
      )}
    </Dropdown>
  );
}
