/**
 * Reads an LLM span's conversation — messages, tool definitions, tool calls — from whatever convention the
 * instrumentation used, into one shape the chat view renders:
 *
 * - OpenTelemetry GenAI (current): `gen_ai.input.messages`, `gen_ai.output.messages`,
 *   `gen_ai.system_instructions`, `gen_ai.tool.definitions` (JSON, messages made of typed `parts`);
 * - OpenTelemetry GenAI event form: span events `gen_ai.{system,user,assistant,tool}.message`, `gen_ai.choice`;
 * - OpenInference: `llm.input_messages.N.message.*`, `llm.output_messages.N.message.*`, `llm.tools.N.tool.json_schema`;
 * - OpenLLMetry: `gen_ai.prompt.N.*`, `gen_ai.completion.N.*`, `llm.request.functions.N.*`;
 * - the span's input/output payloads: an OpenAI- or Anthropic-style request (`messages`, `system`, `tools`),
 *   a response (`choices`, `content`), or a bare list of messages.
 *
 * Pure functions, no React: unit-testable and cheap to call on selection.
 */

import type { Span } from '../../../api/types';

type Attributes = Readonly<Record<string, unknown>>;

export type MessagePart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string }
  | { type: 'tool_call'; id: string | null; name: string; arguments: unknown }
  | { type: 'tool_result'; id: string | null; content: unknown }
  | { type: 'other'; value: unknown };

export interface ChatMessage {
  role: string;
  parts: MessagePart[];
  /** Participant or tool name, when given. */
  name?: string;
  finishReason?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  parameters?: unknown;
}

export interface Conversation {
  input: ChatMessage[];
  output: ChatMessage[];
  tools: ToolDefinition[];
  /** Which convention the messages were read from (shown to the user). */
  source: string;
}

type Json = unknown;
type Obj = Record<string, Json>;

function isObj(v: Json): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON value: strings holding JSON objects/arrays are parsed, anything else returned as is. */
export function parseJsonish(v: Json): Json {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return v;
  try {
    return JSON.parse(t) as Json;
  } catch {
    return v;
  }
}

function str(v: Json): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/* ---------- one message, in any of the common shapes ---------- */

function partsFromContent(content: Json): MessagePart[] {
  if (content === undefined || content === null || content === '') return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (Array.isArray(content)) return content.flatMap(partFromBlock);
  if (isObj(content)) return partFromBlock(content);
  return [{ type: 'text', text: String(content) }];
}

/** One content block: OTel `parts`, OpenAI content parts, Anthropic blocks. */
function partFromBlock(block: Json): MessagePart[] {
  if (typeof block === 'string') return [{ type: 'text', text: block }];
  if (!isObj(block)) return [{ type: 'other', value: block }];
  const type = str(block.type) ?? '';
  if (type === 'text' || type === 'input_text' || type === 'output_text') {
    const text = str(block.content) ?? str(block.text) ?? '';
    return [{ type: 'text', text }];
  }
  if (type === 'reasoning' || type === 'thinking') {
    return [{ type: 'reasoning', text: str(block.content) ?? str(block.thinking) ?? str(block.text) ?? '' }];
  }
  if (type === 'tool_call' || type === 'tool_use' || type === 'function_call') {
    const fn = isObj(block.function) ? block.function : block;
    return [
      {
        type: 'tool_call',
        id: str(block.id) ?? str(block.call_id) ?? null,
        name: str(fn.name) ?? '(unnamed tool)',
        arguments: parseJsonish(fn.arguments ?? block.input ?? null),
      },
    ];
  }
  if (type === 'tool_call_response' || type === 'tool_result' || type === 'function_call_output') {
    return [
      {
        type: 'tool_result',
        id: str(block.id) ?? str(block.tool_use_id) ?? str(block.call_id) ?? null,
        content: parseJsonish(block.response ?? block.content ?? block.output ?? null),
      },
    ];
  }
  if ('text' in block && typeof block.text === 'string') return [{ type: 'text', text: block.text }];
  return [{ type: 'other', value: block }];
}

function toolCallsOf(raw: Json): MessagePart[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((call) => {
    const c = isObj(call) ? call : {};
    const fn = isObj(c.function) ? c.function : c;
    return {
      type: 'tool_call' as const,
      id: str(c.id) ?? null,
      name: str(fn.name) ?? '(unnamed tool)',
      arguments: parseJsonish(fn.arguments ?? c.input ?? null),
    };
  });
}

/** A message object of any common shape (OTel parts, OpenAI chat, Anthropic, OpenAI response choice). */
export function normaliseMessage(raw: Json, fallbackRole = 'user'): ChatMessage | null {
  if (typeof raw === 'string') return { role: fallbackRole, parts: [{ type: 'text', text: raw }] };
  if (!isObj(raw)) return null;
  // An OpenAI choice: {index, message: {...}, finish_reason}
  if (isObj(raw.message) && !('role' in raw)) {
    const inner = normaliseMessage(raw.message, 'assistant');
    if (inner && str(raw.finish_reason)) inner.finishReason = str(raw.finish_reason);
    return inner;
  }
  const role = (str(raw.role) ?? fallbackRole).toLowerCase();
  const parts: MessagePart[] = [];
  if (Array.isArray(raw.parts)) parts.push(...raw.parts.flatMap(partFromBlock));
  else parts.push(...partsFromContent(raw.content));
  parts.push(...toolCallsOf(raw.tool_calls));
  if (isObj(raw.function_call)) parts.push(...toolCallsOf([{ function: raw.function_call }]));
  const toolCallId = str(raw.tool_call_id);
  if (role === 'tool' && toolCallId) {
    // An OpenAI tool message: its content is the result of one call.
    const content = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    return { role, name: str(raw.name), parts: [{ type: 'tool_result', id: toolCallId, content: parseJsonish(content) }] };
  }
  const message: ChatMessage = { role, parts };
  if (str(raw.name)) message.name = str(raw.name);
  if (str(raw.finish_reason)) message.finishReason = str(raw.finish_reason);
  return message;
}

function messagesOf(value: Json, fallbackRole: string): ChatMessage[] {
  const v = parseJsonish(value);
  if (Array.isArray(v)) return v.map((m) => normaliseMessage(m, fallbackRole)).filter((m): m is ChatMessage => !!m);
  const one = normaliseMessage(v, fallbackRole);
  return one ? [one] : [];
}

/* ---------- tool definitions ---------- */

function toolDefinition(raw: Json): ToolDefinition | null {
  const v = parseJsonish(raw);
  if (!isObj(v)) return null;
  const fn = isObj(v.function) ? v.function : v;
  const name = str(fn.name);
  if (!name) return null;
  return {
    name,
    description: str(fn.description),
    parameters: parseJsonish(fn.parameters ?? fn.input_schema ?? fn.inputSchema),
  };
}

function toolDefinitions(value: Json): ToolDefinition[] {
  const v = parseJsonish(value);
  return Array.isArray(v) ? v.map(toolDefinition).filter((t): t is ToolDefinition => !!t) : [];
}

/* ---------- flattened attribute lists (`prefix.N.rest`) ---------- */

/** `{prefix}.{N}.{rest}` attributes grouped by N (in numeric order) into objects of `rest` → value. */
export function indexedGroups(attributes: Attributes, prefix: string): Obj[] {
  const groups = new Map<number, Obj>();
  const head = `${prefix}.`;
  for (const [key, value] of Object.entries(attributes)) {
    if (!key.startsWith(head)) continue;
    const rest = key.slice(head.length);
    const dot = rest.indexOf('.');
    const n = Number.parseInt(dot < 0 ? rest : rest.slice(0, dot), 10);
    if (!Number.isInteger(n) || n < 0) continue;
    const group = groups.get(n) ?? {};
    group[dot < 0 ? '' : rest.slice(dot + 1)] = value;
    groups.set(n, group);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

/** OpenInference: `llm.{input,output}_messages.N.message.{role,content,contents.M…,tool_calls.K…}`. */
function openInferenceMessages(attributes: Attributes, prefix: string, fallbackRole: string): ChatMessage[] {
  return indexedGroups(attributes, prefix).map((g) => {
    const role = (str(g['message.role']) ?? fallbackRole).toLowerCase();
    const parts: MessagePart[] = [];
    const content = g['message.content'];
    if (typeof content === 'string' && content) parts.push({ type: 'text', text: content });
    const contents = indexedGroups(g, 'message.contents');
    for (const c of contents) {
      const text = str(c['message_content.text']);
      if (text) parts.push({ type: 'text', text });
      else if (c['message_content.type']) parts.push({ type: 'other', value: c });
    }
    for (const call of indexedGroups(g, 'message.tool_calls')) {
      parts.push({
        type: 'tool_call',
        id: str(call['tool_call.id']) ?? null,
        name: str(call['tool_call.function.name']) ?? '(unnamed tool)',
        arguments: parseJsonish(call['tool_call.function.arguments'] ?? null),
      });
    }
    const callId = str(g['message.tool_call_id']);
    if (role === 'tool' && callId) {
      const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
      return { role, parts: [{ type: 'tool_result', id: callId, content: parseJsonish(text) }] };
    }
    const message: ChatMessage = { role, parts };
    if (str(g['message.name'])) message.name = str(g['message.name']);
    return message;
  });
}

/** OpenLLMetry: `gen_ai.{prompt,completion}.N.{role,content,tool_calls.K.{id,name,arguments},finish_reason}`. */
function openLlmetryMessages(attributes: Attributes, prefix: string, fallbackRole: string): ChatMessage[] {
  return indexedGroups(attributes, prefix).map((g) => {
    const role = (str(g.role) ?? fallbackRole).toLowerCase();
    const parts: MessagePart[] = [];
    const content = parseJsonish(g.content);
    parts.push(...partsFromContent(content));
    for (const call of indexedGroups(g, 'tool_calls')) {
      parts.push({
        type: 'tool_call',
        id: str(call.id) ?? null,
        name: str(call.name) ?? '(unnamed tool)',
        arguments: parseJsonish(call.arguments ?? null),
      });
    }
    const callId = str(g.tool_call_id);
    if (role === 'tool' && callId) {
      const text = parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
      return { role, parts: [{ type: 'tool_result', id: callId, content: parseJsonish(text) }] };
    }
    const message: ChatMessage = { role, parts };
    if (str(g.finish_reason)) message.finishReason = str(g.finish_reason);
    return message;
  });
}

/* ---------- the whole conversation of a span ---------- */

const EVENT_ROLES: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};

function fromEvents(span: Span): { input: ChatMessage[]; output: ChatMessage[] } {
  const input: ChatMessage[] = [];
  const output: ChatMessage[] = [];
  for (const ev of span.events ?? []) {
    const attrs: Obj = isObj(ev.attributes) ? ev.attributes : {};
    const role = EVENT_ROLES[str(ev.name) ?? ''];
    if (role) {
      const body = parseJsonish(attrs.body ?? attrs);
      const raw = isObj(body) ? { role, ...body, id: undefined, tool_call_id: body.tool_call_id ?? body.id } : body;
      const m = normaliseMessage(raw, role);
      if (m) input.push(m);
    } else if (ev.name === 'gen_ai.choice') {
      const body = parseJsonish(attrs.body ?? attrs);
      const m = normaliseMessage(body, 'assistant');
      if (m) output.push(m);
    }
  }
  return { input, output };
}

function fromPayload(input: Json, output: Json): { input: ChatMessage[]; output: ChatMessage[]; tools: ToolDefinition[] } {
  const req = parseJsonish(input);
  const res = parseJsonish(output);
  let inMsgs: ChatMessage[] = [];
  let tools: ToolDefinition[] = [];
  if (Array.isArray(req) && req.some((m) => isObj(m) && 'role' in m)) {
    inMsgs = messagesOf(req, 'user');
  } else if (isObj(req) && Array.isArray(req.messages)) {
    const system = req.system !== undefined ? messagesOf({ role: 'system', content: req.system }, 'system') : [];
    inMsgs = [...system, ...messagesOf(req.messages, 'user')];
    tools = toolDefinitions(req.tools ?? req.functions);
  }
  let outMsgs: ChatMessage[] = [];
  if (isObj(res) && Array.isArray(res.choices)) outMsgs = messagesOf(res.choices, 'assistant');
  else if (isObj(res) && res.type === 'message' && Array.isArray(res.content)) {
    outMsgs = messagesOf({ role: 'assistant', content: res.content, finish_reason: res.stop_reason }, 'assistant');
  } else if (Array.isArray(res) && res.some((m) => isObj(m) && ('role' in m || 'message' in m))) {
    outMsgs = messagesOf(res, 'assistant');
  } else if (isObj(res) && ('role' in res || 'message' in res)) outMsgs = messagesOf(res, 'assistant');
  else if (inMsgs.length && typeof res === 'string' && res) outMsgs = [{ role: 'assistant', parts: [{ type: 'text', text: res }] }];
  return { input: inMsgs, output: outMsgs, tools };
}

function openLlmetryTools(attributes: Attributes): ToolDefinition[] {
  return indexedGroups(attributes, 'llm.request.functions')
    .map((g): ToolDefinition | null =>
      str(g.name) ? { name: str(g.name)!, description: str(g.description), parameters: parseJsonish(g.parameters) } : null,
    )
    .filter((t): t is ToolDefinition => !!t);
}

function openInferenceTools(attributes: Attributes): ToolDefinition[] {
  return indexedGroups(attributes, 'llm.tools')
    .map((g) => toolDefinition(g['tool.json_schema']))
    .filter((t): t is ToolDefinition => !!t);
}

/**
 * The conversation of a span, or null when none of the conventions holds messages (the caller then shows
 * the raw input/output). The first convention that has input messages wins, so one span never shows the
 * same messages twice.
 */
export function readConversation(span: Span): Conversation | null {
  const a = span.attributes ?? {};
  const candidates: (() => Conversation | null)[] = [
    () => {
      if (a['gen_ai.input.messages'] === undefined && a['gen_ai.output.messages'] === undefined) return null;
      const system = a['gen_ai.system_instructions'];
      const sys: ChatMessage[] =
        system !== undefined ? [{ role: 'system', parts: partsFromContent(parseJsonish(system)) }] : [];
      return {
        input: [...sys, ...messagesOf(a['gen_ai.input.messages'] ?? [], 'user')],
        output: messagesOf(a['gen_ai.output.messages'] ?? [], 'assistant'),
        tools: toolDefinitions(a['gen_ai.tool.definitions']),
        source: 'OpenTelemetry GenAI',
      };
    },
    () => {
      const input = openInferenceMessages(a, 'llm.input_messages', 'user');
      const output = openInferenceMessages(a, 'llm.output_messages', 'assistant');
      if (!input.length && !output.length) return null;
      return { input, output, tools: openInferenceTools(a), source: 'OpenInference' };
    },
    () => {
      const input = openLlmetryMessages(a, 'gen_ai.prompt', 'user');
      const output = openLlmetryMessages(a, 'gen_ai.completion', 'assistant');
      if (!input.length && !output.length) return null;
      return { input, output, tools: openLlmetryTools(a), source: 'OpenLLMetry' };
    },
    () => {
      const { input, output } = fromEvents(span);
      if (!input.length && !output.length) return null;
      return { input, output, tools: toolDefinitions(a['gen_ai.tool.definitions']), source: 'OpenTelemetry GenAI events' };
    },
    () => {
      // Normalised at ingest by the server (conventions the attribute readers above do not know).
      if (!span.input_messages?.length && !span.output_messages?.length) return null;
      return {
        input: messagesOf(span.input_messages ?? [], 'user'),
        output: messagesOf(span.output_messages ?? [], 'assistant'),
        tools: toolDefinitions(span.tool_definitions ?? []),
        source: 'AgentStack (normalised at ingest)',
      };
    },
    () => {
      const { input, output, tools } = fromPayload(span.input, span.output);
      if (!input.length) return null;
      return { input, output, tools, source: 'span input/output' };
    },
  ];
  for (const candidate of candidates) {
    const conversation = candidate();
    if (conversation && (conversation.input.length || conversation.output.length)) return conversation;
  }
  return null;
}

/** Tool calls the model made in this conversation's output, in order. */
export function outputToolCalls(conversation: Conversation): Extract<MessagePart, { type: 'tool_call' }>[] {
  return conversation.output.flatMap((m) =>
    m.parts.filter((p): p is Extract<MessagePart, { type: 'tool_call' }> => p.type === 'tool_call'),
  );
}
