import { Link } from 'react-router-dom';
import { formatCompact, formatUsd } from '../../../components/charts/format';
import { formatNumber } from '../../../lib/format';
import { analyticsHref } from '../../../lib/routes';
import type { Overview } from '../api';

/** Models ranked by cost in the window; unpriced calls are said, never shown as $0. */
export function TopModelsPanel({ projectId, models }: { projectId: string; models: Overview['top_models'] }) {
  const max = Math.max(...models.map((m) => m.cost_usd), 0);
  return (
    <section className="insight-panel" data-testid="overview-models">
      <h2>
        Top models by cost <Link to={analyticsHref(projectId)} className="small panel-link">analytics →</Link>
      </h2>
      {models.length === 0 ? (
        <p className="muted small">No LLM calls in this time range.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Model</th>
              <th className="num">Calls</th>
              <th className="num">Tokens</th>
              <th className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={`${m.provider}/${m.model}`} data-testid="overview-model-row">
                <td className="bar-cell">
                  <span className="bar-cell-fill" style={{ width: max > 0 ? `${(m.cost_usd / max) * 100}%` : 0 }} />
                  <span className="bar-cell-text">
                    {m.model}
                    <span className="muted small"> {m.provider}</span>
                  </span>
                </td>
                <td className="num">{formatNumber(m.calls)}</td>
                <td className="num">{formatCompact(m.tokens)}</td>
                <td className="num">
                  {m.unpriced_calls > 0 && m.unpriced_calls === m.calls ? (
                    <span className="text-error small" title="No price is known for this model">unpriced</span>
                  ) : (
                    <>
                      {formatUsd(m.cost_usd)}
                      {m.unpriced_calls > 0 ? <span className="muted small" title="calls without a price"> +{m.unpriced_calls} unpriced</span> : null}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
