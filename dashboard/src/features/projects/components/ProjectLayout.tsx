import { useEffect, useMemo } from 'react';
import { Link, Outlet, useParams } from 'react-router-dom';
import { EmptyState } from '../../../components/EmptyState';
import { LoadingState } from '../../../components/LoadingState';
import { tracesHref } from '../../../lib/routes';
import { useMe } from '../../auth/hooks/useMe';
import { CurrentProjectContext, defaultProject, type CurrentProject } from '../hooks/useCurrentProject';
import { rememberProject } from '../lastProject';
import { effectiveRole } from '../roles';

/** `/p/{projectId}/…`: checks the user has this project and makes it the current one for the pages below. */
export function ProjectLayout() {
  const { projectId = '' } = useParams();
  const me = useMe();
  const project = me.data?.projects.find((p) => p.id === projectId);

  useEffect(() => {
    if (project) rememberProject(project.id);
  }, [project]);

  const value = useMemo<CurrentProject | null>(
    () => (me.data && project ? { project, role: effectiveRole(me.data, project), me: me.data } : null),
    [me.data, project],
  );

  if (!me.data) return <LoadingState label="Loading your projects…" />;
  if (!value) {
    const fallback = defaultProject(me.data);
    return (
      <div className="page" data-testid="project-not-found">
        <EmptyState title="Project not found">
          <p>
            None of your projects has the id <code>{projectId}</code>: it was deleted, or you are not a member of it.
          </p>
          <Link to={fallback ? tracesHref(fallback.id) : '/'} className="btn btn-primary">
            {fallback ? `Open ${fallback.name}` : 'Create a project'}
          </Link>
        </EmptyState>
      </div>
    );
  }
  return (
    <CurrentProjectContext.Provider value={value}>
      <Outlet />
    </CurrentProjectContext.Provider>
  );
}
