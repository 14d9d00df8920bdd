import { Link } from 'react-router-dom';
import { formatCompact } from '../../../components/charts/format';
import { pluralize } from '../../../lib/format';
import { analyticsHref } from '../../../lib/routes';
import type { CostReport } from '../api';

/** Models without a price are listed with their usage (their cost is unknown, not $0), each with a way to price it. */
export function UnpricedNotice({ projectId, models }: { projectId: string; models: CostReport['unpriced_models'] }) {
  if (models.length === 0) return null;
  const calls = models.reduce((sum, m) => sum + m.calls, 0);
  return (
    <div className="alert alert-warning unpriced-notice" role="status" data-testid="unpriced-notice">
      <strong>
        {pluralize(calls, 'call')} to {pluralize(models.length, 'model')} without a price
      </strong>{' '}
      — their cost is not in the totals below.
      <ul>
        {models.map((m) => (
          <li key={`${m.provider}/${m.model}`} data-testid="unpriced-model">
            <code>{m.model}</code>
            {m.provider ? <span className="muted"> ({m.provider})</span> : null}: {pluralize(m.calls, 'call')},{' '}
            {formatCompact(m.input_tokens)} input / {formatCompact(m.output_tokens)} output tokens ·{' '}
            <Link to={analyticsHref(projectId, `?view=prices&model=${encodeURIComponent(m.model)}&provider=${encodeURIComponent(m.provider)}`)}
              data-testid="unpriced-add-price">
              add a price
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
