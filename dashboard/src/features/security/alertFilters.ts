/** The alert list's filters, kept in the URL (`?severity=HIGH,CRITICAL&rule=secret&status=open…`). */

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export const RULES = ['pii', 'secret', 'prompt_injection', 'loop', 'runaway_trace', 'anomaly'] as const;
export const STATUSES = ['open', 'acknowledged', 'resolved', 'false_positive'] as const;
export type AlertStatusName = (typeof STATUSES)[number];

export interface AlertFilters {
  severity: string[];
  rule: string;
  status: string;
  entity: string;
  traceId: string;
  service: string;
}

const list = (raw: string | null) => (raw ? raw.split(',').filter(Boolean) : []);

export function filtersFromParams(params: URLSearchParams): AlertFilters {
  return {
    severity: list(params.get('severity')).filter((s) => (SEVERITIES as readonly string[]).includes(s)),
    rule: params.get('rule') ?? '',
    status: params.get('status') ?? '',
    entity: params.get('entity') ?? '',
    traceId: params.get('trace_id') ?? '',
    service: params.get('service') ?? '',
  };
}

/** Writes one filter into the URL (an empty value removes it); the cursor and open alert are reset. */
export function withFilter(params: URLSearchParams, name: keyof AlertFilters, value: string | string[]): URLSearchParams {
  const next = new URLSearchParams(params);
  const key = name === 'traceId' ? 'trace_id' : name;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text) next.set(key, text);
  else next.delete(key);
  return next;
}

export function hasFilters(filters: AlertFilters): boolean {
  return Boolean(
    filters.severity.length || filters.rule || filters.status || filters.entity || filters.traceId || filters.service,
  );
}

export const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  false_positive: 'False positive',
};

export const RULE_LABELS: Record<string, string> = {
  pii: 'PII',
  secret: 'Secret',
  prompt_injection: 'Prompt injection',
  loop: 'Loop',
  runaway_trace: 'Runaway trace',
  anomaly: 'Anomaly',
};

/** What each rule means and what to do about it (shown in the alert drawer). */
export const RULE_EXPLANATIONS: Record<string, string> = {
  pii:
    'Personal data (an email address, phone number, card or ID number, …) appeared in a span’s input, output or ' +
    'attributes. It is now stored in your traces; check whether the agent should see or repeat it, and mask it ' +
    'before it reaches the model or the SDK.',
  secret:
    'A credential (API key, token, private key, password-like string) appeared in a span. Treat it as leaked: ' +
    'rotate it, then find where the agent picked it up (a tool result, a prompt, an environment dump).',
  prompt_injection:
    'Text in the span reads like an attempt to override the agent’s instructions (“ignore previous instructions”, ' +
    'role-play jailbreaks, hidden directives). Indirect injections arrive through tool results or retrieved ' +
    'documents. Check what the agent did next in the trace.',
  loop:
    'The same call (same name and input) repeated many times in one trace: the agent is probably stuck. The ' +
    'limit is the project’s loop threshold.',
  runaway_trace:
    'A trace went past the project’s runaway limits (span count, duration or cost). It may still be running and ' +
    'spending.',
  anomaly:
    'A span’s duration or cost is far above what this operation usually takes (more standard deviations than the ' +
    'project’s anomaly setting).',
};
