import { formatAttributeValue, formatNumber } from '../../../lib/format';
import type { Attributes, SpanUsage } from '../../../api/types';

interface SpanHighlightsProps {
  attributes: Attributes;
  /** Usage and cost as stored by the pipeline (the cost pool's price), when the span has any. */
  usage?: SpanUsage | null;
}

function costText(usage: SpanUsage): string | null {
  if (usage.cost_status === 'priced') return `$${usage.cost_usd.toFixed(6)}`;
  if (usage.cost_status === 'unpriced') return 'unpriced model';
  return null;
}

/** Well-known GenAI attributes surfaced above the full attribute table. */
const HIGHLIGHTS: { label: string; keys: string[] }[] = [
  { label: 'Model', keys: ['gen_ai.response.model', 'gen_ai.request.model', 'llm.model', 'model'] },
  { label: 'Provider', keys: ['gen_ai.system', 'gen_ai.provider.name'] },
  { label: 'Input tokens', keys: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.usage.prompt_tokens'] },
  {
    label: 'Output tokens',
    keys: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.usage.completion_tokens'],
  },
  { label: 'Total tokens', keys: ['gen_ai.usage.total_tokens', 'llm.usage.total_tokens'] },
  { label: 'Tool', keys: ['gen_ai.tool.name', 'tool.name'] },
  { label: 'Cost', keys: ['gen_ai.usage.cost', 'llm.usage.cost', 'cost_usd'] },
];

export function SpanHighlights({ attributes, usage = null }: SpanHighlightsProps) {
  const fromAttributes = HIGHLIGHTS.flatMap(({ label, keys }) => {
    const key = keys.find((k) => attributes[k] !== undefined && attributes[k] !== null && attributes[k] !== '');
    if (!key) return [];
    const value = attributes[key];
    return [{ label, key, text: typeof value === 'number' ? formatNumber(value) : formatAttributeValue(value) }];
  });
  const cost = usage ? costText(usage) : null;
  const items = cost
    ? [...fromAttributes.filter((item) => item.label !== 'Cost'), { label: 'Cost', key: 'cost_usd', text: cost }]
    : fromAttributes;
  if (!items.length) return null;
  return (
    <div className="highlights" data-testid="span-highlights">
      {items.map((item) => (
        <div key={item.label} className="highlight" title={item.key}>
          <span className="highlight-label">{item.label}</span>
          <span className="highlight-value mono">{item.text}</span>
        </div>
      ))}
    </div>
  );
}
