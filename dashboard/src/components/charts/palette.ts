/** Series colours of the charts (distinguishable on the dark theme), and the fixed severity colours. */

export const SERIES_COLORS = [
  '#7c6cff', '#34d399', '#60a5fa', '#f59e0b', '#f472b6', '#22d3ee', '#a3e635', '#fb923c', '#c084fc', '#94a3b8',
] as const;

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length];
}

export const SEVERITY_COLORS: Record<string, string> = {
  CRITICAL: '#ef4444',
  HIGH: '#f97316',
  MEDIUM: '#f59e0b',
  LOW: '#60a5fa',
};

export function severityColor(severity: string): string {
  return SEVERITY_COLORS[severity.toUpperCase()] ?? '#94a3b8';
}
