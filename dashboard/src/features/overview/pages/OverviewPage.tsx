import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import { RefreshButton } from '../../../components/RefreshButton';
import { TimeRangePicker } from '../../../components/charts/TimeRangePicker';
import { useTimeRange } from '../../../components/charts/timeRange';
import { LiveStatusIndicator } from '../../live';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { OpenAlertsPanel } from '../components/OpenAlertsPanel';
import { OverviewCards } from '../components/OverviewCards';
import { PipelinePanel } from '../components/PipelinePanel';
import { RecentTracesPanel } from '../components/RecentTracesPanel';
import { TopModelsPanel } from '../components/TopModelsPanel';
import { OVERVIEW_REFRESH_MS, useLiveOverview } from '../hooks/useOverview';
import '../overview.css';

/** `/p/{projectId}/overview`: the project's landing page. */
export function OverviewPage() {
  const { project } = useCurrentProject();
  const { range, setPreset } = useTimeRange();
  const { query, feed, live } = useLiveOverview(project.id, range);
  const { data, error, isPending, isFetching, refetch } = query;

  let body;
  if (isPending) body = <LoadingState label="Loading the overview…" />;
  else if (error && !data) body = <ErrorState title="Could not load the overview" message={error.message} onRetry={() => refetch()} />;
  else if (data)
    body = (
      <>
        <OverviewCards data={data} />
        <div className="overview-grid">
          <OpenAlertsPanel projectId={project.id} alerts={data.alerts_by_severity} />
          <PipelinePanel pipeline={data.pipeline} />
          <RecentTracesPanel projectId={project.id} traces={data.recent_traces} />
          <TopModelsPanel projectId={project.id} models={data.top_models} />
        </div>
      </>
    );

  return (
    <div className="page overview-page" data-testid="overview-page">
      <div className="page-header">
        <div>
          <h1 className="page-title">{project.name}</h1>
          <p className="page-subtitle muted">
            Overview · compared with the previous period of the same length ·{' '}
            {live ? 'updates live as spans and alerts arrive' : `refreshes every ${OVERVIEW_REFRESH_MS / 1000}s`}
          </p>
        </div>
        <div className="page-header-actions">
          <LiveStatusIndicator feed={feed} />
          <TimeRangePicker range={range} onPreset={setPreset} />
          <RefreshButton onClick={() => refetch()} busy={isFetching} />
        </div>
      </div>
      {error && data ? <InlineError message={`Refresh failed: ${error.message}`} /> : null}
      {body}
    </div>
  );
}
