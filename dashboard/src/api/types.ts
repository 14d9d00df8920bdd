/** Wire types of the AgentStack API (`/api/v1`), as in plan/accounts-api.md. Keep in sync with the backend. */

export type TraceStatus = 'OK' | 'ERROR';

/** Span kinds emitted by the SDK; other strings are possible and must be tolerated. */
export type SpanKind =
  | 'agent'
  | 'llm'
  | 'tool'
  | 'memory'
  | 'chain'
  | 'retriever'
  | 'span'
  | (string & {});

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
    /** The request field that was wrong, when the server names one. */
    field?: string;
  };
}

/* ---------- Accounts (issue 10) ---------- */

/** Project roles, weakest first. Instance admins act as owner everywhere. */
export type Role = 'viewer' | 'member' | 'admin' | 'owner';

export type ApiKeyScope = 'ingest' | 'read';

export interface User {
  id: string;
  email: string;
  is_admin: boolean;
  disabled: boolean;
  created_at: string;
}

export interface AuthStatus {
  needs_setup: boolean;
  signup_allowed: boolean;
}

/** Answer of login and register (the session cookie is set alongside). */
export interface SessionResponse {
  user: User;
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

export interface MeProject {
  id: string;
  name: string;
  role: Role;
}

export interface Me {
  user: User;
  projects: MeProject[];
}

export interface ProjectSummary extends MeProject {
  created_at: string;
}

export interface ApiKey {
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** The first characters of the key, enough to recognise it. */
  prefix: string;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A key right after creation: the plaintext is in this answer only. */
export interface ApiKeyCreated extends ApiKey {
  key: string;
  /** Lines to paste into an agent's environment. */
  env: string;
}

export interface ProjectCreated {
  project: ProjectSummary;
  api_key: ApiKeyCreated;
}

export interface ProjectDeleted {
  deleted: string;
  /** What happens to the project's spans, alerts and costs. */
  data: string;
}

export interface Member {
  user_id: string;
  email: string;
  role: Role;
  added_at: string;
}
