import { formatPayload } from '../lib/format';
import { CopyButton } from './CopyButton';

interface PayloadBlockProps {
  value: unknown;
  emptyText?: string;
  testId?: string;
}

export function PayloadBlock({ value, emptyText = 'Not recorded', testId }: PayloadBlockProps) {
  const { text, isJson } = formatPayload(value);
  if (!text) {
    return (
      <div className="muted small" data-testid={testId}>
        {emptyText}
      </div>
    );
  }
  return (
    <div className="code-wrap">
      <pre className={`code-block${isJson ? ' json' : ''}`} data-testid={testId}>
        {text}
      </pre>
      <div className="code-copy">
        <CopyButton value={text} label="Copy" />
      </div>
    </div>
  );
}
