import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { ErrorState } from '../../../components/ErrorState';
import { LoadingState } from '../../../components/LoadingState';
import { loginHref } from '../../../lib/routes';
import { useMe } from '../hooks/useMe';

/** Renders the child routes for a logged-in user; otherwise sends them to the login page. */
export function RequireAuth() {
  const me = useMe();
  const location = useLocation();

  if (me.isPending) return <LoadingState label="Loading your account…" />;
  if (me.isError) {
    if (me.error.isUnauthorized) {
      return <Navigate to={loginHref(location.pathname + location.search)} replace />;
    }
    return (
      <div className="center-page">
        <ErrorState title="Could not load your account" message={me.error.message} onRetry={() => me.refetch()} />
      </div>
    );
  }
  return <Outlet />;
}
