import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { EmptyState } from '../../../components/EmptyState';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import { RefreshButton } from '../../../components/RefreshButton';
import { TimeRangePicker } from '../../../components/charts/TimeRangePicker';
import { TimeSeriesChart, type TimePoint } from '../../../components/charts/TimeSeriesChart';
import { formatCompact } from '../../../components/charts/format';
import { severityColor } from '../../../components/charts/palette';
import { bucketTimes } from '../../../components/charts/series';
import { useTimeRange } from '../../../components/charts/timeRange';
import { formatNumber, pluralize } from '../../../lib/format';
import { LiveStatusIndicator } from '../../live';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { atLeast } from '../../projects/roles';
import { SEVERITIES, filtersFromParams, hasFilters, withFilter, type AlertFilters } from '../alertFilters';
import type { SecuritySummary } from '../api';
import { AlertDrawer } from '../components/AlertDrawer';
import { AlertFiltersBar } from '../components/AlertFiltersBar';
import { AlertTable } from '../components/AlertTable';
import { AllowListPanel } from '../components/AllowListPanel';
import { RulesPanel } from '../components/RulesPanel';
import { SeverityChips } from '../components/SeverityChips';
import { useAlertList, useBulkSetStatus, useLiveSecurity, useSecuritySummary } from '../hooks/useSecurity';
import '../security.css';

const TREND_SERIES = [...SEVERITIES].reverse().map((s) => ({ key: s, label: s.toLowerCase(), color: severityColor(s) }));

/** One bar per bucket of the window (buckets without alerts are zero), stacked by severity. */
function trendPoints(summary: SecuritySummary | undefined): TimePoint[] {
  if (!summary || summary.series.length === 0) return [];
  const points = new Map<number, TimePoint>();
  for (const t of bucketTimes(summary.start, summary.end, summary.bucket)) {
    const point = { t } as TimePoint;
    for (const s of SEVERITIES) point[s] = 0;
    points.set(t, point);
  }
  for (const bucket of summary.series) {
    const t = new Date(bucket.time).getTime();
    const point = points.get(t) ?? ({ t } as TimePoint);
    for (const s of SEVERITIES) point[s] = (point[s] ?? 0) + (bucket.by_severity[s] ?? 0);
    points.set(t, point);
  }
  return [...points.values()].sort((a, b) => a.t - b.t);
}

/** `/p/{projectId}/security`: alerts of the project (chips, trend, filtered list, detail drawer) and its rules. */
export function SecurityPage() {
  const { project, role } = useCurrentProject();
  const [params, setParams] = useSearchParams();
  const { range, setPreset, zoomTo } = useTimeRange();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const view = params.get('view') === 'rules' ? 'rules' : 'alerts';
  const openAlert = params.get('alert');

  // While the live socket is connected a new alert refetches the list and the counts; offline, they poll.
  const { feed, poll } = useLiveSecurity(project.id);
  const summary = useSecuritySummary(project.id, range, poll);
  const alerts = useAlertList(project.id, range, filters, poll);
  const bulk = useBulkSetStatus(project.id);

  const setFilter = useCallback(
    (name: keyof AlertFilters, value: string | string[]) => setParams((prev) => withFilter(prev, name, value)),
    [setParams],
  );
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
  const clearFilters = () =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const key of ['severity', 'rule', 'status', 'entity', 'trace_id', 'service']) next.delete(key);
      return next;
    });

  const items = alerts.data?.pages.flatMap((page) => page.items) ?? [];
  const points = useMemo(() => trendPoints(summary.data), [summary.data]);
  const bySeverity = summary.data?.by_severity;
  const counts = useMemo(
    () => (bySeverity ? Object.fromEntries(Object.entries(bySeverity).map(([s, c]) => [s, c.total])) : undefined),
    [bySeverity],
  );
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : null;
  const open = bySeverity ? Object.values(bySeverity).reduce((a, c) => a + c.open, 0) : null;

  let list;
  if (alerts.isPending) list = <LoadingState label="Loading alerts…" />;
  else if (alerts.error && !alerts.data)
    list = <ErrorState title="Could not load alerts" message={alerts.error.message} onRetry={() => alerts.refetch()} />;
  else if (items.length === 0)
    list = (
      <EmptyState title={hasFilters(filters) ? 'No alerts match these filters' : 'No alerts in this time range'} testId="alerts-empty">
        {hasFilters(filters)
          ? 'Clear a filter or widen the time range.'
          : 'The scanner checks every span for personal data, secrets, prompt injections, loops and anomalies; what it finds shows up here within seconds.'}
      </EmptyState>
    );
  else
    list = (
      <>
        <AlertTable alerts={items} selectedId={openAlert} onSelect={(id) => setParam('alert', id)} />
        {alerts.hasNextPage ? (
          <div className="load-more">
            <button type="button" className="btn btn-small" disabled={alerts.isFetchingNextPage}
              onClick={() => alerts.fetchNextPage()} data-testid="alerts-more">
              {alerts.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </div>
        ) : null}
      </>
    );

  const bulkTarget = filters.status === '' || filters.status === 'open';
  const bulkDone = bulk.data;
  return (
    <div className={`page security-page${openAlert ? ' with-drawer' : ''}`} data-testid="security-page">
      <div className="page-header">
        <div>
          <h1 className="page-title">Security</h1>
          <p className="page-subtitle muted">
            {total !== null && open !== null
              ? `${pluralize(total, 'alert')} in this time range · ${formatNumber(open)} open`
              : '\u00a0'}
          </p>
        </div>
        <div className="page-header-actions">
          <LiveStatusIndicator feed={feed} />
          <TimeRangePicker range={range} onPreset={setPreset} />
          <RefreshButton onClick={() => { void summary.refetch(); void alerts.refetch(); }} busy={alerts.isFetching} />
        </div>
      </div>
      <nav className="tabs" role="tablist" aria-label="Security">
        <button type="button" role="tab" aria-selected={view === 'alerts'} className={`tab${view === 'alerts' ? ' active' : ''}`}
          onClick={() => setParam('view', null)} data-testid="security-tab-alerts">
          Alerts
        </button>
        <button type="button" role="tab" aria-selected={view === 'rules'} className={`tab${view === 'rules' ? ' active' : ''}`}
          onClick={() => setParam('view', 'rules')} data-testid="security-tab-rules">
          Rules &amp; allow-list
        </button>
      </nav>
      {view === 'rules' ? (
        <div className="security-rules">
          <RulesPanel projectId={project.id} role={role} />
          <AllowListPanel projectId={project.id} role={role} />
        </div>
      ) : (
        <>
          <div className="security-top">
            <SeverityChips counts={counts} selected={filters.severity} onChange={(next) => setFilter('severity', next)} />
            {summary.error ? <InlineError message={`Summary failed: ${summary.error.message}`} /> : null}
          </div>
          {/* keyed by the window the range buttons or a zoom chose (not the minute a preset window moves by), so a
              new range draws a fresh chart: no tooltip left over from a hover over the old one */}
          <TimeSeriesChart key={range.preset ?? `${range.since.getTime()}-${range.until.getTime()}`}
            title="Alerts over time" data={points} series={TREND_SERIES} kind="stacked-bar"
            formatValue={formatCompact} onZoom={zoomTo} csvName={`alerts-${project.name}`} height={180} testId="alert-trend" integer />
          <div className="security-list-header">
            <AlertFiltersBar filters={filters} onChange={setFilter} onClear={clearFilters} />
            {atLeast(role, 'member') && items.length > 0 && bulkTarget ? (
              <button type="button" className="btn btn-small" disabled={bulk.isPending}
                onClick={() => bulk.mutate({ range, filters, from: ['open'], status: 'acknowledged' })}
                data-testid="alerts-bulk-ack" title="Acknowledge every open alert matching these filters in this time range">
                Acknowledge all matching
              </button>
            ) : null}
          </div>
          {bulk.error ? <InlineError message={bulk.error.message} /> : null}
          {bulkDone ? (
            <p className="muted small" role="status">
              {pluralize(bulkDone.updated, 'alert')} acknowledged
              {bulkDone.truncated ? ' (the first 10,000; run it again for the rest)' : ''}.
            </p>
          ) : null}
          {alerts.error && alerts.data ? <InlineError message={`Refresh failed: ${alerts.error.message}`} /> : null}
          {list}
        </>
      )}
      {openAlert && view === 'alerts' ? (
        <AlertDrawer key={openAlert} projectId={project.id} alertId={openAlert} role={role} onClose={() => setParam('alert', null)} />
      ) : null}
    </div>
  );
}
