import { Outlet } from 'react-router-dom';
import { LoadingState } from '../components/LoadingState';
import { useMe } from '../features/auth/hooks/useMe';
import { TopBar } from './TopBar';

/** The logged-in frame: top bar over the page of the current route (rendered inside RequireAuth). */
export function AppShell() {
  const me = useMe();
  if (!me.data) return <LoadingState label="Loading your account…" />;
  return (
    <div className="app">
      <TopBar me={me.data} />
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}
