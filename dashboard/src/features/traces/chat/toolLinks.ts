/** Links the tool calls an LLM made to the tool spans that ran them. */

import type { Span } from '../../../api/types';

export type ToolCallRef = { id: string | null; name: string };

interface ToolSpan {
  span: Span;
  callId: string | null;
  toolName: string;
}

/** The tool spans of a trace, by start time: built once per trace (O(n)), queried per selected span. */
export interface ToolSpanIndex {
  spans: ToolSpan[];
  byCallId: Map<string, Span>;
}

const CALL_ID_KEYS = ['gen_ai.tool.call.id', 'tool_call.id', 'tool.call_id', 'tool.call.id'];
const TOOL_NAME_KEYS = ['gen_ai.tool.name', 'tool.name'];

function firstString(attributes: Record<string, unknown>, keys: string[]): string | null {
  for (const key of keys) {
    const v = attributes[key];
    if (typeof v === 'string' && v) return v;
  }
  return null;
}

export function buildToolSpanIndex(spans: Span[]): ToolSpanIndex {
  const tools: ToolSpan[] = [];
  const byCallId = new Map<string, Span>();
  for (const span of spans) {
    const attrs = span.attributes ?? {};
    const callId = firstString(attrs, CALL_ID_KEYS);
    const toolName = firstString(attrs, TOOL_NAME_KEYS);
    if (span.kind !== 'tool' && !toolName && !callId) continue;
    tools.push({ span, callId, toolName: toolName ?? span.name });
    if (callId && !byCallId.has(callId)) byCallId.set(callId, span);
  }
  tools.sort((a, b) => a.span.offset_ms - b.span.offset_ms);
  return { spans: tools, byCallId };
}

function sameTool(toolName: string, spanName: string, callName: string): boolean {
  if (toolName === callName) return true;
  // Instrumentations name tool spans "execute_tool get_weather", "get_weather.tool", …
  return spanName === callName || spanName.split(/[\s.:/]+/).includes(callName);
}

/**
 * For each call (in order), the tool span that ran it: by call id when the tool span records one, else the
 * first not-yet-linked tool span of that name starting at or after the LLM span's start.
 */
export function linkToolCalls(calls: ToolCallRef[], llm: Span, index: ToolSpanIndex): (Span | null)[] {
  const used = new Set<Span>();
  return calls.map((call) => {
    const byId = call.id ? index.byCallId.get(call.id) : undefined;
    if (byId && byId !== llm) {
      used.add(byId);
      return byId;
    }
    const match = index.spans.find(
      (t) =>
        t.span !== llm &&
        !used.has(t.span) &&
        t.span.offset_ms >= llm.offset_ms &&
        sameTool(t.toolName, t.span.name, call.name),
    );
    if (!match) return null;
    used.add(match.span);
    return match.span;
  });
}

/**
 * For tool calls in the prompt (made by an earlier LLM call): by call id, else the last tool span of that
 * name that started before this LLM span.
 */
export function linkEarlierToolCalls(calls: ToolCallRef[], llm: Span, index: ToolSpanIndex): (Span | null)[] {
  return calls.map((call) => {
    const byId = call.id ? index.byCallId.get(call.id) : undefined;
    if (byId && byId !== llm) return byId;
    let found: Span | null = null;
    for (const t of index.spans) {
      if (t.span.offset_ms >= llm.offset_ms) break;
      if (t.span !== llm && sameTool(t.toolName, t.span.name, call.name)) found = t.span;
    }
    return found;
  });
}
