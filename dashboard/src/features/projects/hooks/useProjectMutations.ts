import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createProject, deleteProject, renameProject } from '../../../api/accounts';
import { queryKeys } from '../../../api/queryKeys';

/** After a change to projects, the switcher (`/auth/me`) and the settings list refetch. */
export function useRefreshProjects() {
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

/**
 * Deleting does not refetch by itself: the caller first leaves the deleted project's pages, then calls
 * `useRefreshProjects()` — refetching first would unmount the page (project not found) under the caller.
 */
export function useDeleteProject() {
  return useMutation({ mutationFn: (projectId: string) => deleteProject(projectId) });
}
