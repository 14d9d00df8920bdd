import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  addMember,
  changeMemberRole,
  createKey,
  listKeys,
  listMembers,
  listProjects,
  removeMember,
  revokeKey,
} from '../../../api/accounts';
import { queryKeys } from '../../../api/queryKeys';
import type { ApiKeyScope, Role } from '../../../api/types';

/** The caller's projects with their creation dates (`GET /projects`). */
export function useProjectList() {
  return useQuery({ queryKey: queryKeys.projects, queryFn: ({ signal }) => listProjects(signal) });
}

/** API keys of a project; only fetched when `enabled` (the caller's role may list them). */
export function useKeys(projectId: string, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.keys(projectId),
    queryFn: ({ signal }) => listKeys(projectId, signal),
    enabled,
  });
}

export function useCreateKey(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ name, scope }: { name: string; scope: ApiKeyScope }) => createKey(projectId, name, scope),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.keys(projectId) }),
  });
}

export function useRevokeKey(projectId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (keyId: string) => revokeKey(projectId, keyId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.keys(projectId) }),
  });
}

export function useMembers(projectId: string) {
  return useQuery({ queryKey: queryKeys.members(projectId), queryFn: ({ signal }) => listMembers(projectId, signal) });
}

/** Member changes refetch the list, and `/auth/me` (the caller's own role may be what changed). */
function useRefreshMembers(projectId: string) {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queryKeys.members(projectId) }),
      queryClient.invalidateQueries({ queryKey: queryKeys.me }),
    ]);
}

export function useAddMember(projectId: string) {
  const refresh = useRefreshMembers(projectId);
  return useMutation({
    mutationFn: ({ email, role }: { email: string; role: Role }) => addMember(projectId, email, role),
    onSuccess: refresh,
  });
}

export function useChangeMemberRole(projectId: string) {
  const refresh = useRefreshMembers(projectId);
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) => changeMemberRole(projectId, userId, role),
    onSuccess: refresh,
  });
}

/** Removing oneself does not refetch `/auth/me` here: the caller leaves the project's pages first. */
export function useRemoveMember(projectId: string) {
  const refresh = useRefreshMembers(projectId);
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId }: { userId: string; self: boolean }) => removeMember(projectId, userId),
    onSuccess: (_, { self }) =>
      self ? queryClient.invalidateQueries({ queryKey: queryKeys.members(projectId) }) : refresh(),
  });
}
