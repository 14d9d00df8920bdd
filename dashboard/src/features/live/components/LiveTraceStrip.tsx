import { Link } from 'react-router-dom';
import { formatDuration, shortId } from '../../../lib/format';
import { traceHref } from '../../../lib/routes';
import type { LiveTrace } from '../hooks/useLiveStore';

/** The traces seen live, most recently updated first (the first few). */
export function LiveTraceStrip({ projectId, traces, limit = 8 }: { projectId: string; traces: LiveTrace[]; limit?: number }) {
  if (!traces.length) return null;
  return (
    <div className="live-traces" data-testid="live-traces">
      {traces.slice(0, limit).map((t) => (
        <Link key={t.trace_id} to={traceHref(projectId, t.trace_id)} className="live-trace-card" data-testid="live-trace">
          <span className="live-trace-name">{t.root_name ?? `trace ${shortId(t.trace_id)}`}</span>
          <span className="muted">
            {t.spans} span{t.spans === 1 ? '' : 's'} · {formatDuration((t.end_time - t.start_time) / 1e6)}
            {t.errors ? <span className="live-errors"> · {t.errors} error{t.errors === 1 ? '' : 's'}</span> : null}
            {t.root_name ? null : <span className="live-running"> · running</span>}
          </span>
        </Link>
      ))}
    </div>
  );
}
