/** The app's TanStack Query client: no retries for answers about the request (4xx), two for the rest. */

import { QueryClient } from '@tanstack/react-query';
import type { ApiError } from './client';
import { toApiError } from './client';

declare module '@tanstack/react-query' {
  interface Register {
    defaultError: ApiError;
  }
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => !toApiError(error).isClientError && failures < 2,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}
