import { useMemo } from 'react';
import { TimeSeriesChart } from '../../../components/charts/TimeSeriesChart';
import { formatPercent } from '../../../components/charts/format';
import { bucketTimes, pivot } from '../../../components/charts/series';
import type { ErrorReport } from '../api';

interface ErrorRateChartProps {
  report: ErrorReport;
  start: string;
  end: string;
  onZoom: (fromMs: number, toMs: number) => void;
  csvPrefix: string;
}

/** Share of spans that ended in an error, per bucket (buckets without spans are left out, not shown as 0%). */
export function ErrorRateChart({ report, start, end, onZoom, csvPrefix }: ErrorRateChartProps) {
  const points = useMemo(() => {
    const times = bucketTimes(start, end, report.bucket);
    return pivot({ rows: report.series, time: (p) => p.time, key: () => 'rate', value: (p) => p.error_rate, times, fill: false })
      .filter((p) => p.rate !== undefined);
  }, [report, start, end]);
  return (
    <TimeSeriesChart title={`Error rate · ${formatPercent(report.error_rate)} of ${report.spans.toLocaleString('en')} spans`}
      data={points} series={[{ key: 'rate', label: 'error rate', color: '#f87171' }]} kind="line" formatValue={formatPercent}
      onZoom={onZoom} csvName={`${csvPrefix}-error-rate`} testId="chart-errors" minYMax={0.05} />
  );
}
