import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createProject, deleteProject, renameProject } from '../../../api/accounts';
import { queryKeys } from '../../../api/queryKeys';

/** After a change to projects, the switcher (`/auth/me`) and the settings list refetch. */
function useRefreshProjects() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.me }),
      queryClient.invalidateQueries({ queryKey: queryKeys.projects, exact: true }),
    ]);
}

/**
 * With `refresh` false the caller refetches later: on the first-project page, refetching `/auth/me` at once
 * would redirect into the new project before its key (shown once) was seen.
 */
export function useCreateProject(refresh = true) {
  const refreshProjects = useRefreshProjects();
  return useMutation({
    mutationFn: (name: string) => createProject(name),
    onSuccess: () => (refresh ? refreshProjects() : undefined),
  });
}

export function useRenameProject() {
  const refresh = useRefreshProjects();
  return useMutation({
    mutationFn: ({ projectId, name }: { projectId: string; name: string }) => renameProject(projectId, name),
    onSuccess: refresh,
  });
}

export function useDeleteProject() {
  const refresh = useRefreshProjects();
  return useMutation({ mutationFn: (projectId: string) => deleteProject(projectId), onSuccess: refresh });
}
