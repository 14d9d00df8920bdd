import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createUser, listUsers, updateUser } from '../../../api/accounts';
import { queryKeys } from '../../../api/queryKeys';

/** Every user of the instance (instance admins only). */
export function useUsers(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.users, queryFn: ({ signal }) => listUsers(signal), enabled });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users }),
  });
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, ...body }: { userId: string; disabled?: boolean; password?: string; is_admin?: boolean }) =>
      updateUser(userId, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users }),
  });
}
