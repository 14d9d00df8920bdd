import { createContext, useContext } from 'react';
import type { Me, MeProject, Role } from '../../../api/types';
import { lastProject } from '../lastProject';

export interface CurrentProject {
  project: MeProject;
  /** The role the user acts with here (instance admins: owner). */
  role: Role;
  me: Me;
}

export const CurrentProjectContext = createContext<CurrentProject | null>(null);

/** The project of the `/p/{projectId}/…` route; null outside one (e.g. `/settings/account`). */
export function useOptionalProject(): CurrentProject | null {
  return useContext(CurrentProjectContext);
}

/** The project of the `/p/{projectId}/…` route being rendered. */
export function useCurrentProject(): CurrentProject {
  const current = useContext(CurrentProjectContext);
  if (!current) throw new Error('useCurrentProject() used outside a /p/{projectId} route');
  return current;
}

/** The project `/` opens: the one last used in this browser, else the first one. */
export function defaultProject(me: Me): MeProject | undefined {
  const remembered = lastProject();
  return me.projects.find((p) => p.id === remembered) ?? me.projects[0];
}
