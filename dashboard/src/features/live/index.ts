/** The live feed's public surface for other features (trace list, trace view, security, overview). */
export { LiveStatusIndicator } from './components/LiveStatusIndicator';
export { LiveTraceBadge } from './components/LiveTraceBadge';
export { NewTracesPill } from './components/NewTracesPill';
export { useLiveFeed } from './hooks/useLiveFeed';
export { applyMessages, useLiveAlerts, useLiveSpans, useLiveStore, useLiveTraces } from './hooks/useLiveStore';
export type { LiveTrace } from './hooks/useLiveStore';
export { useLiveRefresh } from './hooks/useLiveRefresh';
export type { LiveRefreshOptions } from './hooks/useLiveRefresh';
export { useLiveTraceRefresh } from './hooks/useLiveTraceRefresh';
export { backoffDelayMs, useWebSocket } from './hooks/useWebSocket';
export type { LiveAlert, LiveFilters, LiveMessage, LiveSpan, LiveStatus, LiveTraceUpdate } from './types';
