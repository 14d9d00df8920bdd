/** Wire types of the AgentStack query API (`/api/v1`). Keep in sync with the backend. */
import type { SpanKind } from './kinds';

export type TraceStatus = 'OK' | 'ERROR';

/** Span kinds: generated from the SDK's one list (see ./kinds.ts). */
export type { SpanKind };

export interface TraceSummary {
  trace_id: string;
  name: string;
  service_name: string;
  start_time: string;
  end_time: string;
  duration_ms: number;
  span_count: number;
  error_count: number;
  status: TraceStatus;
}

export interface TraceListResponse {
  items: TraceSummary[];
  total: number;
  page: number;
  page_size: number;
}

export type Attributes = Record<string, unknown>;

export interface SpanEvent {
  name: string;
  timestamp: string;
  attributes: Attributes;
}

export interface Span {
  span_id: string;
  parent_span_id: string | null;
  trace_id: string;
  name: string;
  kind: SpanKind;
  service_name: string;
  start_time: string;
  end_time: string;
  /** Milliseconds from the start of the trace. */
  offset_ms: number;
  duration_ms: number;
  status: TraceStatus;
  status_message: string;
  attributes: Attributes;
  events: SpanEvent[];
  /** JSON-encoded (usually) input payload, or null when not recorded. */
  input: string | null;
  /** JSON-encoded (usually) output payload, or null when not recorded. */
  output: string | null;
  /** Rules of the security alerts raised on this span (e.g. `secret`, `prompt_injection`). */
  security_flags?: string[];
  /** LLM usage and cost, or null for a span without LLM usage. */
  usage?: SpanUsage | null;
}

export interface SpanUsage {
  model: string;
  provider: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  /** 'priced', 'unpriced' (the model has no known price) or '' (no LLM usage). */
  cost_status: string;
}

export interface TraceDetail extends TraceSummary {
  spans: Span[];
}

export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
  };
}
