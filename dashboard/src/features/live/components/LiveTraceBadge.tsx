import '../live.css';
import { useLiveTraceRefresh } from '../hooks/useLiveTraceRefresh';
import { LiveStatusIndicator } from './LiveStatusIndicator';

/** Placed on a trace view: keeps it growing as spans are written, and shows whether it is live. */
export function LiveTraceBadge({ projectId, traceId }: { projectId: string; traceId: string }) {
  const feed = useLiveTraceRefresh(projectId, traceId);
  return <LiveStatusIndicator feed={feed} />;
}
