import '../live.css';
import { useState } from 'react';
import { EmptyState } from '../../../components/EmptyState';
import { formatNumber } from '../../../lib/format';
import { useCurrentProject } from '../../projects/hooks/useCurrentProject';
import { LiveAlertsPanel } from '../components/LiveAlertsPanel';
import { LiveFilterBar } from '../components/LiveFilterBar';
import { LiveSpanList } from '../components/LiveSpanList';
import { LiveStatusIndicator } from '../components/LiveStatusIndicator';
import { LiveTraceStrip } from '../components/LiveTraceStrip';
import { useLiveStore } from '../hooks/useLiveStore';
import type { LiveFilters } from '../types';

/** `/p/{projectId}/live`: spans, traces and alerts of the project as they are written. */
export function LivePage() {
  const { project } = useCurrentProject();
  const [filters, setFilters] = useState<LiveFilters>({});
  const live = useLiveStore(project.id, filters);
  const { feed } = live;

  return (
    <div className="page live-page" data-testid="live-page">
      <div className="page-header">
        <div>
          <h1 className="page-title">Live</h1>
          <p className="page-subtitle">
            Spans of <strong>{project.name}</strong> appear here as soon as they are stored; the newest first.
          </p>
        </div>
        <div className="live-actions">
          <LiveStatusIndicator feed={feed} />
          {feed.paused ? (
            <button type="button" className="btn btn-primary btn-small" onClick={feed.resume} data-testid="live-resume">
              Resume
            </button>
          ) : (
            <button type="button" className="btn btn-small" onClick={feed.pause} data-testid="live-pause">
              Pause
            </button>
          )}
          <button type="button" className="btn btn-ghost btn-small" onClick={live.clear} data-testid="live-clear">
            Clear
          </button>
        </div>
      </div>
      <LiveFilterBar filters={filters} onChange={setFilters} />
      {feed.dropped > 0 ? (
        <div className="live-warning" data-testid="live-dropped">
          This tab fell behind and {formatNumber(feed.dropped)} live messages were skipped; the trace list has everything.
        </div>
      ) : null}
      <div className="live-layout">
        <section className="live-main">
          <LiveTraceStrip projectId={project.id} traces={live.traces} />
          {live.spans.length === 0 ? (
            <EmptyState title={feed.paused ? 'Paused' : 'Waiting for spans'} testId="live-empty">
              {feed.paused
                ? 'Resume to see new spans; what was written meanwhile is fetched when you resume.'
                : 'Run an instrumented agent with an ingest key of this project; its spans appear here within a second.'}
            </EmptyState>
          ) : (
            <>
              <div className="live-list-head muted" data-testid="live-span-count">
                {formatNumber(live.spans.length)} span{live.spans.length === 1 ? '' : 's'}
              </div>
              <LiveSpanList projectId={project.id} spans={live.spans} />
            </>
          )}
        </section>
        <LiveAlertsPanel projectId={project.id} alerts={live.alerts} />
      </div>
    </div>
  );
}
