/** The live feed's messages (`/ws/traces`; protocol in docs/live-feed.md). */

export interface LiveSpan {
  type: 'span';
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: string;
  status: string;
  service_name: string;
  start_time: number; // ns since the epoch
  end_time: number;
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number;
}

export interface LiveTraceUpdate {
  type: 'trace';
  trace_id: string;
  new_spans: number;
  new_errors: number;
  start_time: number;
  end_time: number;
  cost_usd: number;
  tokens: number;
  root_span_id?: string;
  root_name?: string;
  service_name?: string;
  status?: string;
}

export interface LiveAlert {
  type: 'alert';
  alert_id: string;
  trace_id: string;
  span_id: string;
  rule: string;
  entity_types: string[];
  severity: string;
  score: number;
  excerpt: string;
  created_at: string;
}

export interface LiveDropped {
  type: 'dropped';
  count: number;
}

export type LiveMessage = LiveSpan | LiveTraceUpdate | LiveAlert | LiveDropped;

export interface LiveFilters {
  trace_id?: string | null;
  kinds?: string[];
  statuses?: string[];
  severities?: string[];
}

/** Where the socket stands: `live` (open), `connecting`, `reconnecting` (backing off), `paused`, `offline` (refused). */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'paused' | 'offline';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export const STATUSES = ['OK', 'ERROR', 'UNSET'] as const;
