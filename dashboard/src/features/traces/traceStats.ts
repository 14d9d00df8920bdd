/** Trace-level totals computed from the spans (tokens, cost, models, alerts), in one pass. */

import type { Span } from '../../api/types';

export interface TraceStats {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** Some LLM span used a model without a known price. */
  unpriced: boolean;
  models: string[];
  llmCalls: number;
  /** Spans with security alerts, and the rules raised. */
  flaggedSpans: number;
  alertRules: string[];
}

export function traceStats(spans: Span[]): TraceStats {
  const models = new Set<string>();
  const rules = new Set<string>();
  const stats: TraceStats = {
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    unpriced: false,
    models: [],
    llmCalls: 0,
    flaggedSpans: 0,
    alertRules: [],
  };
  for (const span of spans) {
    const u = span.usage;
    if (u) {
      stats.inputTokens += u.input_tokens || 0;
      stats.outputTokens += u.output_tokens || 0;
      stats.costUsd += u.cost_usd || 0;
      if (u.cost_status === 'unpriced') stats.unpriced = true;
      if (u.model) models.add(u.model);
    }
    if (span.kind === 'llm') stats.llmCalls += 1;
    const flags = span.security_flags ?? [];
    if (flags.length) {
      stats.flaggedSpans += 1;
      for (const f of flags) rules.add(f);
    }
  }
  stats.models = [...models].sort();
  stats.alertRules = [...rules].sort();
  return stats;
}

/** A span's model: the priced one, else the GenAI attributes. */
export function spanModel(span: Span): string | null {
  if (span.usage?.model) return span.usage.model;
  const a = span.attributes ?? {};
  for (const key of ['gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name']) {
    if (typeof a[key] === 'string' && a[key]) return a[key] as string;
  }
  return null;
}
