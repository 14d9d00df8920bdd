import { createContext, useContext } from 'react';

export interface AuthContextValue {
  apiKey: string | null;
  /** Called by data loaders on a 401: shows the API key form with `message`. */
  reportUnauthorized: (message: string) => void;
}

export const AuthContext = createContext<AuthContextValue>({
  apiKey: null,
  reportUnauthorized: () => {},
});

export function useAuth(): AuthContextValue {
  return useContext(AuthContext);
}
