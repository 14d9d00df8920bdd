/** The readable text of a turn's input or output (a root span payload or its server-side preview). */

import { normaliseMessage, parseJsonish } from '../traces/chat/messages';

function messageText(raw: unknown): string | null {
  const m = normaliseMessage(raw);
  if (!m) return null;
  const text = m.parts
    .map((p) => (p.type === 'text' ? p.text : p.type === 'tool_call' ? `→ ${p.name}(…)` : ''))
    .filter(Boolean)
    .join('\n');
  return text || null;
}

/**
 * What a person said (input) or got back (output) in one turn: the last user message of a chat request,
 * the first choice of a response, a single text field of an object, or the text as it is.
 */
export function turnText(value: string | null | undefined, side: 'input' | 'output'): string | null {
  if (value === null || value === undefined || value === '') return null;
  const v = parseJsonish(value);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const msgs = v.filter((m) => typeof m === 'object' && m !== null && 'role' in m) as { role?: unknown }[];
    const pick = side === 'input' ? [...msgs].reverse().find((m) => m.role === 'user') : msgs[msgs.length - 1];
    return (pick && messageText(pick)) ?? JSON.stringify(v);
  }
  if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.messages)) return turnText(JSON.stringify(o.messages), side);
    if (Array.isArray(o.choices) && o.choices.length) return messageText(o.choices[0]) ?? JSON.stringify(v);
    if ('role' in o || 'content' in o) return messageText(o) ?? JSON.stringify(v);
    const strings = Object.values(o).filter((x): x is string => typeof x === 'string');
    if (strings.length === 1) return strings[0];
    return JSON.stringify(v, null, 2);
  }
  return String(v);
}
