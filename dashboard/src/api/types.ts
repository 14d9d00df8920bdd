/**
 * Wire types of the AgentStack API (`/api/v1`). The accounts types come from the server's OpenAPI document
 * (schema.d.ts, generated); the trace read endpoints declare no response models yet, so their types are
 * written here and must be kept in sync with serve_apps/traces.py by hand.
 */

import type { SpanKind } from '../lib/kinds';
import type { components } from './schema';

type Schemas = components['schemas'];

export type TraceStatus = 'OK' | 'ERROR';

/** Span kinds: generated from the SDK's one list (see ../lib/kinds.ts). */
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

/** The error envelope of every 4xx/5xx answer. */
export type ApiErrorBody = Schemas['ErrorBody'];

/* ---------- Accounts (issue 10): generated from the server's OpenAPI document ---------- */
// `npm run gen:api` rewrites openapi.json (from the query app) and schema.d.ts (from openapi.json);
// these names only map the server's models to the words the UI uses.


/** Project roles, weakest first. Instance admins act as owner everywhere. */
export type Role = Schemas['MemberOut']['role'];

export type ApiKeyScope = Schemas['ApiKeyOut']['scope'];

/** The server declares these `role` fields as plain strings; they only ever hold a Role. */
type WithRole<T> = Omit<T, 'role'> & { role: Role };

export type User = Schemas['UserOut'];
export type AuthStatus = Schemas['AuthStatus'];
/** Answer of login and register (the session cookie is set alongside). */
export type SessionResponse = Schemas['SessionOut'];
export type MeProject = WithRole<Schemas['ProjectRef']>;
export type Me = Omit<Schemas['MeOut'], 'projects'> & { projects: MeProject[] };
export type ProjectSummary = WithRole<Schemas['ProjectOut']>;
/** An API key as listed: the prefix only. */
export type ApiKey = Schemas['ApiKeyOut'];
/** A key right after creation: `key` (the plaintext) and `env` (lines to paste) are in this answer only. */
export type ApiKeyCreated = Schemas['ApiKeyCreated'];
export type ProjectCreated = Omit<Schemas['ProjectCreated'], 'project'> & { project: ProjectSummary };
/** `data` says what happens to the project's spans, alerts and costs. */
export type ProjectDeleted = Schemas['ProjectDeleted'];
export type Member = Schemas['MemberOut'];
export type UserCreate = Schemas['UserCreate'];
export type UserPatch = Schemas['UserPatch'];
export type RegisterBody = Schemas['RegisterIn'];
