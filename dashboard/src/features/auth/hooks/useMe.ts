import { useQuery } from '@tanstack/react-query';
import { getAuthStatus, getMe } from '../../../api/accounts';
import { queryKeys } from '../../../api/queryKeys';

/** The logged-in user and their projects (`GET /auth/me`); a 401 sends the browser to the login page. */
export function useMe() {
  return useQuery({ queryKey: queryKeys.me, queryFn: ({ signal }) => getMe(signal), staleTime: 30_000 });
}

/** Whether the instance still needs its first admin, and whether self sign-up is open. */
export function useAuthStatus() {
  return useQuery({ queryKey: queryKeys.authStatus, queryFn: ({ signal }) => getAuthStatus(signal) });
}
