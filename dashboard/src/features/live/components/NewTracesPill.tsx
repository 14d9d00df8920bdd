import '../live.css';
import { useCallback, useState } from 'react';
import type { LiveTrace } from '../hooks/useLiveStore';

interface Props {
  /** The project's traces seen live (useLiveTraces: the page owns the socket, so it also knows whether it is live). */
  traces: LiveTrace[];
  /** Reloads the list. */
  onRefresh: () => void;
  /** When the list was last loaded (ms); traces first seen live before that are already in it. */
  listUpdatedAt?: number;
}

/** "n new traces" above a trace list: traces first seen live since the list was loaded; a click reloads it. */
export function NewTracesPill({ traces, onRefresh, listUpdatedAt = 0 }: Props) {
  const [clickedAt, setClickedAt] = useState(0);
  const since = Math.max(clickedAt, listUpdatedAt);
  const fresh = traces.filter((t) => t.first_seen > since).length;
  const refresh = useCallback(() => {
    setClickedAt(Date.now());
    onRefresh();
  }, [onRefresh]);
  if (!fresh) return null;
  return (
    <button type="button" className="new-traces-pill" onClick={refresh} data-testid="new-traces-pill">
      {fresh} new trace{fresh === 1 ? '' : 's'} ↑
    </button>
  );
}
