/** Series colours of the charts (distinguishable on the dark theme), and the fixed severity colours. */

export const SERIES_COLORS = [
  '#7c6cff', '#34d399', '#60a5fa', '#f59e0b', '#f472b6', '#22d3ee', '#a3e635', '#fb923c', '#c084fc', '#94a3b8',
] as const;

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length];
}

export const SEVERITY_COLORS: Record<string, string> = {
  critical: '#ef4444',
  high: '#f97316',
  medium: '#f59e0b',
  low: '#60a5fa',
  info: '#94a3b8',
};

export function severityColor(severity: string): string {
  return SEVERITY_COLORS[severity] ?? '#94a3b8';
}
