import { useMemo, useState, type ReactNode } from 'react';
import './charts.css';
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { MouseHandlerDataParam } from 'recharts';
import { toCsv, downloadText } from './csv';
import { formatAxisTime, formatTooltipTime } from './format';
import { seriesColor } from './palette';

/** One point in time (`t`, epoch ms) with a value per series key. */
export type TimePoint = { t: number } & Record<string, number>;

export interface SeriesDef {
  key: string;
  label: string;
  color?: string;
}

export interface TimeSeriesChartProps {
  title: string;
  data: readonly TimePoint[];
  series: readonly SeriesDef[];
  /** Stacked areas (parts of a total), lines (independent values) or stacked bars (counts per bucket). */
  kind: 'stacked-area' | 'line' | 'stacked-bar';
  formatValue: (value: number) => string;
  /** Called with the dragged-over window (epoch ms); the page narrows its time range to it. */
  onZoom?: (fromMs: number, toMs: number) => void;
  /** File name (without extension) of the CSV export. */
  csvName: string;
  height?: number;
  testId?: string;
  emptyText?: string;
  /** Extra controls in the header (e.g. a series picker), left of the CSV button. */
  controls?: ReactNode;
  /** Smallest top of the value axis (e.g. 5% for error rates, so an all-zero series is not drawn up to 400%). */
  minYMax?: number;
  /** Whole-number values (counts): no 2.3-alert ticks. */
  integer?: boolean;
}

function indexOf(state: MouseHandlerDataParam): number | null {
  const index = Number(state.activeIndex ?? state.activeTooltipIndex);
  return Number.isInteger(index) && index >= 0 ? index : null;
}

/**
 * A time-series chart with tooltip, legend (click a name to hide it), drag-to-zoom and CSV export of the
 * plotted data. Presentational: the page maps API answers to `data`/`series`.
 */
export function TimeSeriesChart(props: TimeSeriesChartProps) {
  const { title, data, series, kind, formatValue, onZoom, csvName, height = 240, testId, emptyText, controls, minYMax, integer } = props;
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const [drag, setDrag] = useState<{ from: number; to: number } | null>(null);
  const spanMs = data.length > 1 ? data[data.length - 1].t - data[0].t : 86_400_000;
  const rows = data as TimePoint[];

  const exportCsv = () => {
    const columns = ['time', ...series.map((s) => s.label)];
    const csvRows = data.map((point) => {
      const row: Record<string, unknown> = { time: new Date(point.t).toISOString() };
      for (const s of series) row[s.label] = point[s.key] ?? 0;
      return row;
    });
    downloadText(`${csvName}.csv`, toCsv(columns, csvRows));
  };

  const zoomHandlers = onZoom
    ? {
        onMouseDown: (state: MouseHandlerDataParam) => {
          const i = indexOf(state);
          if (i !== null) setDrag({ from: i, to: i });
        },
        onMouseMove: (state: MouseHandlerDataParam) => {
          const i = indexOf(state);
          if (drag && i !== null && i !== drag.to) setDrag({ ...drag, to: i });
        },
        onMouseUp: () => {
          if (drag && drag.from !== drag.to) {
            const a = Math.min(drag.from, drag.to);
            const b = Math.max(drag.from, drag.to);
            onZoom(data[a].t, data[b].t);
          }
          setDrag(null);
        },
      }
    : {};

  const children = useMemo(() => {
    const common = [
      <CartesianGrid key="grid" stroke="var(--grid)" vertical={false} />,
      <XAxis
        key="x"
        dataKey="t"
        type="number"
        scale="time"
        domain={['dataMin', 'dataMax']}
        tickFormatter={(ms: number) => formatAxisTime(ms, spanMs)}
        stroke="var(--text-faint)"
        tick={{ fontSize: 11 }}
        minTickGap={24}
      />,
      <YAxis
        key="y"
        tickFormatter={(v: number) => formatValue(v)}
        stroke="var(--text-faint)"
        tick={{ fontSize: 11 }}
        width={72}
        allowDecimals={!integer}
        domain={minYMax === undefined ? [0, 'auto'] : [0, (max: number) => Math.max(max, minYMax)]}
      />,
      <Tooltip
        key="tooltip"
        labelFormatter={(ms) => formatTooltipTime(Number(ms))}
        formatter={(value) => formatValue(Number(value))}
        contentStyle={{ background: 'var(--bg-elev-2)', border: '1px solid var(--border-strong)', borderRadius: 6 }}
        labelStyle={{ color: 'var(--text-muted)' }}
        cursor={kind === 'stacked-bar' ? { fill: 'var(--bg-hover)' } : { stroke: 'var(--border-strong)' }}
      />,
      <Legend
        key="legend"
        wrapperStyle={{ fontSize: 12, cursor: 'pointer' }}
        itemSorter={null}
        onClick={(entry) => {
          const key = String(entry.dataKey ?? '');
          setHidden((prev) => {
            const next = new Set(prev);
            if (next.has(key)) next.delete(key);
            else next.add(key);
            return next;
          });
        }}
      />,
    ];
    const marks = series.map((s, i) => {
      const color = s.color ?? seriesColor(i);
      const hide = hidden.has(s.key);
      if (kind === 'stacked-area')
        return (
          <Area key={s.key} dataKey={s.key} name={s.label} stackId="a" type="monotone" stroke={color} fill={color}
            fillOpacity={0.35} hide={hide} isAnimationActive={false} />
        );
      if (kind === 'stacked-bar')
        return <Bar key={s.key} dataKey={s.key} name={s.label} stackId="a" fill={color} hide={hide} isAnimationActive={false} />;
      return (
        <Line key={s.key} dataKey={s.key} name={s.label} type="monotone" stroke={color} dot={false} strokeWidth={2}
          hide={hide} isAnimationActive={false} />
      );
    });
    return [...common, ...marks];
  }, [series, hidden, kind, spanMs, formatValue, minYMax, integer]);

  const selection =
    drag && drag.from !== drag.to ? (
      <ReferenceArea x1={data[drag.from].t} x2={data[drag.to].t} fill="var(--accent)" fillOpacity={0.15} />
    ) : null;

  const chartProps = { data: rows, margin: { top: 8, right: 16, bottom: 0, left: 0 }, ...zoomHandlers };
  return (
    <section className="card chart-card" data-testid={testId}>
      <div className="chart-header">
        <h2 className="card-title">{title}</h2>
        <div className="chart-actions">
          {onZoom && data.length > 1 ? <span className="chart-hint muted small">drag to zoom</span> : null}
          {controls}
          <button type="button" className="btn btn-ghost btn-small" onClick={exportCsv} disabled={data.length === 0}
            data-testid={testId ? `${testId}-csv` : undefined}>
            CSV
          </button>
        </div>
      </div>
      {data.length === 0 ? (
        <div className="chart-empty muted" style={{ height }}>{emptyText ?? 'No data in this time range'}</div>
      ) : (
        <div className="chart-body" style={{ height }}>
          <ResponsiveContainer width="100%" height="100%">
            {kind === 'stacked-area' ? (
              <AreaChart {...chartProps}>{children}{selection}</AreaChart>
            ) : kind === 'stacked-bar' ? (
              <BarChart {...chartProps}>{children}{selection}</BarChart>
            ) : (
              <LineChart {...chartProps}>{children}{selection}</LineChart>
            )}
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
