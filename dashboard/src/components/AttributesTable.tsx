import { formatAttributeValue } from '../lib/format';

interface AttributesTableProps {
  /** Span or event attributes (any JSON values; span attributes arrive as strings). */
  attributes: Readonly<Record<string, unknown>> | null | undefined;
  testId?: string;
  emptyText?: string;
}

export function AttributesTable({ attributes, testId, emptyText = 'No attributes' }: AttributesTableProps) {
  const entries = Object.entries(attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) {
    return (
      <div className="muted small" data-testid={testId}>
        {emptyText}
      </div>
    );
  }
  return (
    <table className="kv-table" data-testid={testId}>
      <tbody>
        {entries.map(([key, value]) => {
          const text = formatAttributeValue(value);
          const multiline = text.length > 80 || text.includes('\n');
          return (
            <tr key={key}>
              <th scope="row" className="mono" title={key}>
                {key}
              </th>
              <td className={`mono${multiline ? ' multiline' : ''}`}>{text}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
