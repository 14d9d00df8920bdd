import { useEffect } from 'react';
import { useNavigate } from 'react-router-dom';
import { setUnauthorizedHandler } from '../../../api/client';
import { loginHref } from '../../../lib/routes';

const PUBLIC_PATHS = ['/login', '/setup', '/signup'];

/** Any 401 from the API sends the user to the login page, which brings them back here afterwards. */
export function UnauthorizedRedirect() {
  const navigate = useNavigate();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      const { pathname, search, hash } = window.location;
      if (PUBLIC_PATHS.includes(pathname)) return;
      navigate(loginHref(pathname + search + hash), {
        replace: true,
        state: { message: 'Your session has ended. Log in again to continue.' },
      });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate]);
  return null;
}
