/** What each API key scope allows, in the words the UI shows next to it. */

import type { ApiKeyScope } from '../../api/types';

export const SCOPE_HELP: Record<ApiKeyScope, string> = {
  ingest: 'may only send spans: the key your agents carry',
  read: 'may call the read API: for scripts and notebooks',
};
