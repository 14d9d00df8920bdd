const KNOWN_KINDS = new Set(['agent', 'llm', 'tool', 'memory', 'chain', 'retriever', 'span']);

/** CSS modifier for a span kind; unknown kinds share a neutral colour. */
export function kindClass(kind: string | null | undefined): string {
  const k = (kind || 'span').toLowerCase();
  return `kind-${KNOWN_KINDS.has(k) ? k : 'other'}`;
}
