/**
 * Names the UI uses for the AgentStack API's wire types (`/api/v1`). Every type here is an alias of (or a
 * narrowing of) a model in schema.d.ts, which `npm run gen:api` generates from the server's OpenAPI document:
 * no API shape is written by hand.
 */

import type { SpanKind } from '../lib/kinds';
import type { components } from './schema';

type Schemas = components['schemas'];

/** Span kinds: generated from the SDK's one list (see ../lib/kinds.ts). */
export type { SpanKind };

export type TraceStatus = Schemas['TraceRow']['status'];
/** One row of the trace list (totals, models, alerts, root input/output preview). */
export type TraceSummary = Schemas['TraceRow'];
export type TraceListResponse = Schemas['TraceList'];
export type TraceFacets = Schemas['TraceFacets'];
export type FacetCount = Schemas['FacetCount'];
export type Span = Schemas['Span'];
export type SpanUsage = Schemas['SpanUsage'];
/** One span with its security alerts (`GET /spans/{id}`). */
export type SpanWithAlerts = Schemas['SpanDetail'];
export type SpanAlert = Schemas['AlertView'];
/** One page of a trace's spans with the trace's totals. */
export type TraceDetailPage = Schemas['TraceDetail'];
export type SessionSummary = Schemas['SessionRow'];
export type SessionListResponse = Schemas['SessionList'];
export type SessionDetail = Schemas['SessionDetail'];

export type Attributes = Span['attributes'];
export type SavedView = Schemas['ViewOut'];
export type ViewIn = Schemas['ViewIn'];
export type ViewList = Schemas['ViewList'];
export type ServerChatMessage = Schemas['ChatMessage'];

/** A span event (name, ISO timestamp or null, attributes). */
export type SpanEvent = Schemas['SpanEvent'];

/**
 * A trace as the trace view holds it: every page of its spans fetched, and which spans were fetched without
 * their input/output (large traces), to be loaded one by one on selection.
 */
export type TraceDetail = Omit<TraceDetailPage, 'spans' | 'span_offset' | 'span_limit' | 'next_span_offset'> & {
  spans: Span[];
  ioOmitted: ReadonlySet<string>;
};

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
