export function traceHref(traceId: string, spanId?: string): string {
  const base = `/traces/${encodeURIComponent(traceId)}`;
  return spanId ? `${base}?span=${encodeURIComponent(spanId)}` : base;
}
