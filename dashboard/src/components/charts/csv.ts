/** CSV export of chart data: what the chart shows, one row per time bucket, one column per series. */

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  // Quote cells holding separators, quotes or line breaks; a leading =,+,-,@ is neutralised so a
  // spreadsheet does not evaluate a model or service name as a formula.
  const safe = /^[=+\-@]/.test(text) && Number.isNaN(Number(text)) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Rows → CSV text with a header line (columns in the order given). */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const lines = [columns.map(cell).join(',')];
  for (const row of rows) lines.push(columns.map((column) => cell(row[column])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Saves `text` as a file through the browser's download. */
export function downloadText(filename: string, text: string, type = 'text/csv'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
