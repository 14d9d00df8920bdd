import type { ReactNode } from 'react';
import { Navigate, useLocation, useParams } from 'react-router-dom';
import { LoadingState } from '../../../components/LoadingState';
import { isSettingsTab, overviewHref, settingsHref, traceHref, tracesHref } from '../../../lib/routes';
import { useMe } from '../../auth/hooks/useMe';
import { defaultProject } from '../hooks/useCurrentProject';

interface HomeRedirectProps {
  /** Where in the project to land: the overview (`/`), traces (`/traces`, `/traces/{id}`) or a settings tab. */
  to: 'overview' | 'traces' | 'settings';
  /** What a user without any project sees instead. */
  fallback: ReactNode;
}

/**
 * Routes without a project (`/`, the old `/traces…` links, `/settings/{tab}`) open the same view in the
 * default project, keeping the trace id and query string, so deep links from before projects keep working.
 */
export function HomeRedirect({ to, fallback }: HomeRedirectProps) {
  const me = useMe();
  const { traceId, tab } = useParams();
  const { search } = useLocation();

  if (!me.data) return <LoadingState label="Loading your projects…" />;
  const project = defaultProject(me.data);
  if (!project) return <>{fallback}</>;
  let target: string;
  if (to === 'overview') target = overviewHref(project.id);
  else if (to === 'settings') target = settingsHref(project.id, isSettingsTab(tab) ? tab : 'projects');
  else target = traceId ? traceHref(project.id, traceId) : tracesHref(project.id);
  return <Navigate to={target + search} replace />;
}
