/** Axis and tooltip formatting shared by the charts. */

const pad = (n: number) => String(n).padStart(2, '0');

/** A tick label that fits the window: times of day for a day or less, dates beyond. */
export function formatAxisTime(ms: number, spanMs: number): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (spanMs <= 86_400_000) return hm;
  const md = `${d.toLocaleString('en', { month: 'short' })} ${d.getDate()}`;
  return spanMs <= 7 * 86_400_000 ? `${md} ${hm}` : md;
}

export function formatTooltipTime(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleString('en', { month: 'short' })} ${d.getDate()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function formatUsd(value: number): string {
  if (value === 0) return '$0';
  if (Math.abs(value) < 0.01) return `$${Number(value.toPrecision(2))}`;
  return `$${value.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatCompact(value: number): string {
  return value.toLocaleString('en', { notation: 'compact', maximumFractionDigits: 1 });
}

export function formatPercent(ratio: number): string {
  const pct = ratio * 100;
  return `${pct < 10 && pct !== 0 ? pct.toFixed(1) : Math.round(pct)}%`;
}
