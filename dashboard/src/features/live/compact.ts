import type { LiveMessage, LiveSpan, LiveTraceUpdate } from './types';

/** A span row of a compact `trace` message: the server's `span_columns` (docs/live-feed.md), in this order. */
type SpanRow = [
  span_id: string,
  parent_span_id: string | null,
  name: string,
  kind: string,
  status: string,
  service_name: string | null,
  start: number, // ns after the trace message's start_time
  duration: number, // ns
  model?: string,
  input_tokens?: number,
  output_tokens?: number,
  cost_usd?: number,
];

/**
 * The messages of a `format=compact` batch as the full format's: each `trace` message that carries its
 * spans as rows becomes a `span` message per row, then the trace update itself.
 */
export function expandCompact(messages: LiveMessage[]): LiveMessage[] {
  const out: LiveMessage[] = [];
  for (const message of messages) {
    const rows = message.type === 'trace' ? (message as LiveTraceUpdate & { spans?: SpanRow[] }).spans : undefined;
    if (!Array.isArray(rows)) {
      out.push(message);
      continue;
    }
    const trace = { ...(message as LiveTraceUpdate & { spans?: SpanRow[] }) };
    delete trace.spans;
    for (const row of rows) {
      const [span_id, parent_span_id, name, kind, status, service_name, start, duration, model, input_tokens, output_tokens, cost_usd] = row;
      const start_time = trace.start_time + start;
      const span: LiveSpan = {
        type: 'span',
        trace_id: trace.trace_id,
        span_id,
        parent_span_id,
        name,
        kind,
        status,
        service_name: service_name ?? trace.service_name ?? 'default',
        start_time,
        end_time: start_time + duration,
      };
      if (model !== undefined) Object.assign(span, { model, input_tokens, output_tokens, cost_usd });
      out.push(span);
    }
    out.push(trace);
  }
  return out;
}
