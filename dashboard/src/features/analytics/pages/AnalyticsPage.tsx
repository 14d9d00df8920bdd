import { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import { RefreshButton } from '../../../components/RefreshButton';
import { TimeRangePicker } from '../../../components/charts/TimeRangePicker';
import { formatCompact, formatUsd } from '../../../components/charts/format';
import { useTimeRange } from '../../../components/charts/timeRange';
import { formatNumber } from '../../../lib/format';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { GROUP_BY_LABELS, type GroupBy, type LatencyBy, type TopBy } from '../api';
import { CostCharts } from '../components/CostCharts';
import { ErrorRateChart } from '../components/ErrorRateChart';
import { LatencyChart } from '../components/LatencyChart';
import { PricesPanel } from '../components/PricesPanel';
import { TopTracesTable } from '../components/TopTracesTable';
import { UnpricedNotice } from '../components/UnpricedNotice';
import { useCost, useErrors, useLatency, useTopTraces } from '../hooks/useAnalytics';
import '../../../components/charts/charts.css';
import '../analytics.css';

function oneOf<T extends string>(value: string | null, options: readonly T[], fallback: T): T {
  return options.includes(value as T) ? (value as T) : fallback;
}

/** `/p/{projectId}/analytics`: cost, tokens, latency, errors and top traces of the window; prices. */
export function AnalyticsPage() {
  const { project, role } = useCurrentProject();
  const [params, setParams] = useSearchParams();
  const { range, setPreset, zoomTo } = useTimeRange();
  const groupBy = oneOf(params.get('group_by'), Object.keys(GROUP_BY_LABELS) as GroupBy[], 'model');
  const latencyBy = oneOf<LatencyBy>(params.get('latency_by'), ['kind', 'model'], 'kind');
  const topBy = oneOf<TopBy>(params.get('top_by'), ['cost', 'duration', 'tokens'], 'cost');
  const view = params.get('view') === 'prices' ? 'prices' : 'charts';

  const setParam = useCallback(
    (name: string, value: string | null) =>
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      }),
    [setParams],
  );

  const cost = useCost(project.id, range, groupBy);
  const latency = useLatency(project.id, range, latencyBy);
  const errors = useErrors(project.id, range);
  const top = useTopTraces(project.id, range, topBy);
  const csvPrefix = `${project.name}`.replace(/[^\w.-]+/g, '-');
  const failed = [cost, latency, errors, top].find((q) => q.error)?.error;

  let charts;
  if (cost.isPending) charts = <LoadingState label="Loading analytics…" />;
  else if (cost.error && !cost.data) charts = <ErrorState title="Could not load analytics" message={cost.error.message} onRetry={() => cost.refetch()} />;
  else if (cost.data) {
    const totals = cost.data.totals;
    charts = (
      <>
        <UnpricedNotice projectId={project.id} models={cost.data.unpriced_models} />
        <div className="analytics-totals" data-testid="analytics-totals">
          <div>
            <span className="metric-label">Cost</span>
            <span className="metric-value" data-testid="analytics-total-cost">{formatUsd(totals.cost_usd)}</span>
          </div>
          <div>
            <span className="metric-label">LLM calls</span>
            <span className="metric-value">{formatNumber(totals.calls)}</span>
          </div>
          <div>
            <span className="metric-label">Input tokens</span>
            <span className="metric-value">{formatCompact(totals.input_tokens)}</span>
          </div>
          <div>
            <span className="metric-label">Output tokens</span>
            <span className="metric-value">{formatCompact(totals.output_tokens)}</span>
          </div>
          <div>
            <span className="metric-label">Cache reads</span>
            <span className="metric-value">{formatCompact(totals.cache_read_tokens)}</span>
          </div>
        </div>
        <div className="chart-grid">
          <CostCharts report={cost.data} onZoom={zoomTo} csvPrefix={csvPrefix} />
          {errors.data ? (
            <ErrorRateChart report={errors.data} start={cost.data.start} end={cost.data.end} onZoom={zoomTo} csvPrefix={csvPrefix} />
          ) : (
            <LoadingState label="Loading error rate…" />
          )}
          {latency.data ? (
            <div className="chart-wide">
              <LatencyChart report={latency.data} start={cost.data.start} end={cost.data.end} by={latencyBy}
                onBy={(by) => setParam('latency_by', by === 'kind' ? null : by)} onZoom={zoomTo} csvPrefix={csvPrefix} />
            </div>
          ) : (
            <LoadingState label="Loading latency…" />
          )}
          <TopTracesTable projectId={project.id} data={top.data} by={topBy} onBy={(by) => setParam('top_by', by === 'cost' ? null : by)}
            csvPrefix={csvPrefix} />
        </div>
      </>
    );
  }

  return (
    <div className="page analytics-page" data-testid="analytics-page">
      <div className="page-header">
        <div>
          <h1 className="page-title">Analytics</h1>
          <p className="page-subtitle muted">Cost, tokens, latency and errors · drag across a chart to zoom</p>
        </div>
        <div className="page-header-actions">
          {view === 'charts' ? (
            <label className="inline-select">
              <span className="muted small">Cost by</span>
              <select className="input input-small" value={groupBy} onChange={(e) => setParam('group_by', e.target.value === 'model' ? null : e.target.value)}
                data-testid="group-by">
                {(Object.keys(GROUP_BY_LABELS) as GroupBy[]).map((g) => (
                  <option key={g} value={g}>
                    {GROUP_BY_LABELS[g]}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <TimeRangePicker range={range} onPreset={setPreset} />
          <RefreshButton onClick={() => { void cost.refetch(); void latency.refetch(); void errors.refetch(); void top.refetch(); }}
            busy={cost.isFetching} />
        </div>
      </div>
      <nav className="tabs" role="tablist" aria-label="Analytics">
        <button type="button" role="tab" aria-selected={view === 'charts'} className={`tab${view === 'charts' ? ' active' : ''}`}
          onClick={() => setParams((prev) => { const next = new URLSearchParams(prev); next.delete('view'); next.delete('model'); next.delete('provider'); return next; })}
          data-testid="analytics-tab-charts">
          Usage
        </button>
        <button type="button" role="tab" aria-selected={view === 'prices'} className={`tab${view === 'prices' ? ' active' : ''}`}
          onClick={() => setParam('view', 'prices')} data-testid="analytics-tab-prices">
          Prices
        </button>
      </nav>
      {failed && cost.data ? <InlineError message={`Some data could not be loaded: ${failed.message}`} /> : null}
      {view === 'prices' ? (
        <PricesPanel key={`${params.get('model')}/${params.get('provider')}`} projectId={project.id} role={role} range={range}
          model={params.get('model') ?? ''} provider={params.get('provider') ?? ''} />
      ) : (
        charts
      )}
    </div>
  );
}
