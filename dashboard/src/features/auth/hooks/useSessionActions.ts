import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router-dom';
import { logout, logoutEverywhere } from '../../../api/accounts';

/** Leaves the app: drops every cached answer (they belong to this user) and shows the login page. */
function useLeave() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return (message: string) => {
    navigate('/login', { replace: true, state: { message } });
    // After the protected pages unmount, so nothing refetches what is being dropped.
    window.setTimeout(() => queryClient.clear(), 0);
  };
}

/** Log out of this browser. The local state is dropped even if the server cannot be reached. */
export function useLogout() {
  const leave = useLeave();
  return useMutation({
    mutationFn: logout,
    onSettled: () => leave('You are logged out.'),
  });
}

/** Revoke every session of the user (this one included). */
export function useLogoutEverywhere() {
  const leave = useLeave();
  return useMutation({
    mutationFn: logoutEverywhere,
    onSuccess: () => leave('You are logged out on every device.'),
  });
}
