import '../live.css';
import type { LiveFeed } from '../hooks/useLiveFeed';

const LABELS = {
  live: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting',
  paused: 'Paused',
  offline: 'Offline',
} as const;

/** The socket's state as a dot and a word (live / reconnecting / offline / paused), with the reason on hover. */
export function LiveStatusIndicator({ feed }: { feed: LiveFeed }) {
  const detail =
    feed.status === 'reconnecting'
      ? `retrying in ${feed.retryInS ?? 1}s${feed.reason ? ` (${feed.reason})` : ''}`
      : feed.status === 'offline'
        ? feed.reason
        : null;
  return (
    <span className={`live-status live-status-${feed.status}`} data-testid="live-status" data-status={feed.status} title={detail ?? undefined}>
      <span className="live-dot" aria-hidden="true" />
      {LABELS[feed.status]}
      {detail ? <span className="live-status-detail">{detail}</span> : null}
    </span>
  );
}
