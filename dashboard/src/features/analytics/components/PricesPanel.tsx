import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import type { Role } from '../../../api/types';
import type { TimeRange } from '../../../components/charts/timeRange';
import { formatDateTime } from '../../../lib/format';
import { atLeast, denyReason } from '../../projects/roles';
import type { PriceIn } from '../api';
import { usePriceMutations, usePrices } from '../hooks/useAnalytics';

const SOURCE_LABELS: Record<string, string> = { project: 'this project', config: 'configs/pricing.yaml', unpriced: 'no price' };

function money(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `$${value.toLocaleString('en', { maximumFractionDigits: 4 })}`;
}

interface PricesPanelProps {
  projectId: string;
  role: Role;
  range: TimeRange;
  /** Model (and provider) to prefill the form with, from an "add a price" link. */
  model: string;
  provider: string;
}

/** The effective price table of the models seen in the window, and this project's own prices (admins add them). */
export function PricesPanel({ projectId, role, range, model, provider }: PricesPanelProps) {
  const { data, error, isPending, refetch } = usePrices(projectId, range);
  const { add, remove } = usePriceMutations(projectId);
  const isAdmin = atLeast(role, 'admin');
  const [form, setForm] = useState({ model_pattern: model, provider, input: '', output: '', cache_read: '', cache_write: '', reasoning: '' });
  const [added, setAdded] = useState<string | null>(null);

  const set = (name: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value });
  const num = (text: string) => (text.trim() === '' ? null : Number(text));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: PriceIn = {
      model_pattern: form.model_pattern.trim(),
      provider: form.provider.trim(),
      input_per_mtok: Number(form.input),
      output_per_mtok: Number(form.output),
      cache_read_per_mtok: num(form.cache_read),
      cache_write_per_mtok: num(form.cache_write),
      reasoning_per_mtok: num(form.reasoning),
    };
    add.mutate(body, {
      onSuccess: (price) => {
        setAdded(price.model);
        setForm({ model_pattern: '', provider: '', input: '', output: '', cache_read: '', cache_write: '', reasoning: '' });
      },
    });
  };

  let table;
  if (isPending) table = <LoadingState label="Loading prices…" />;
  else if (error || !data) table = <ErrorState title="Could not load prices" message={error?.message ?? ''} onRetry={() => refetch()} />;
  else
    table = (
      <div className="table-wrap">
        <table className="table settings-table" data-testid="prices-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Provider</th>
              <th className="num">Input</th>
              <th className="num">Output</th>
              <th className="num">Cache read</th>
              <th className="num">Cache write</th>
              <th className="num">Reasoning</th>
              <th>Source</th>
              {isAdmin ? <th className="actions-col" /> : null}
            </tr>
          </thead>
          <tbody>
            {data.items.map((p) => (
              <tr key={`${p.source}/${p.provider}/${p.model}/${p.override_id ?? ''}`} data-testid="price-row" data-source={p.source}>
                <td className="mono small">{p.model}</td>
                <td className="muted">{p.provider || 'any'}</td>
                <td className="num">{money(p.input_per_mtok)}</td>
                <td className="num">{money(p.output_per_mtok)}</td>
                <td className="num">{money(p.cache_read_per_mtok)}</td>
                <td className="num">{money(p.cache_write_per_mtok)}</td>
                <td className="num">{money(p.reasoning_per_mtok)}</td>
                <td className={p.source === 'unpriced' ? 'text-error small' : 'muted small'}>
                  {SOURCE_LABELS[p.source] ?? p.source}
                  {p.effective_from ? <div>from {formatDateTime(p.effective_from)}</div> : null}
                </td>
                {isAdmin ? (
                  <td className="actions-col">
                    {p.override_id ? (
                      <button type="button" className="btn btn-ghost btn-small" disabled={remove.isPending}
                        onClick={() => remove.mutate(p.override_id ?? '')} data-testid="price-remove">
                        Remove
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );

  const why = denyReason(role, 'admin', 'set prices');
  return (
    <div className="prices" data-testid="prices-panel">
      <section className="panel">
        <h2 className="panel-title">Prices (USD per million tokens)</h2>
        <p className="panel-text muted">
          Every model seen in this time range with the price it is charged at. A project price applies to spans arriving
          from its start on; spans already priced keep their cost.
        </p>
        {remove.error ? <InlineError message={remove.error.message} /> : null}
        {table}
      </section>
      <section className="panel">
        <h2 className="panel-title">Add a price for this project</h2>
        {why ? (
          <p className="muted small">{why}</p>
        ) : (
          <form className="price-form" onSubmit={submit} data-testid="price-form">
            <label className="field">
              <span className="field-label">Model (use * as a wildcard)</span>
              <input className="input" required value={form.model_pattern} onChange={set('model_pattern')} data-testid="price-model" />
            </label>
            <label className="field">
              <span className="field-label">Provider (empty: any)</span>
              <input className="input" value={form.provider} onChange={set('provider')} data-testid="price-provider" />
            </label>
            <label className="field">
              <span className="field-label">Input $/M</span>
              <input className="input" type="number" min="0" step="any" required value={form.input} onChange={set('input')}
                data-testid="price-input" />
            </label>
            <label className="field">
              <span className="field-label">Output $/M</span>
              <input className="input" type="number" min="0" step="any" required value={form.output} onChange={set('output')}
                data-testid="price-output" />
            </label>
            <label className="field">
              <span className="field-label">Cache read $/M</span>
              <input className="input" type="number" min="0" step="any" placeholder="= input" value={form.cache_read} onChange={set('cache_read')} />
            </label>
            <label className="field">
              <span className="field-label">Cache write $/M</span>
              <input className="input" type="number" min="0" step="any" placeholder="= input" value={form.cache_write} onChange={set('cache_write')} />
            </label>
            <label className="field">
              <span className="field-label">Reasoning $/M</span>
              <input className="input" type="number" min="0" step="any" placeholder="= output" value={form.reasoning} onChange={set('reasoning')} />
            </label>
            <div className="price-form-actions">
              <button type="submit" className="btn btn-primary btn-small" disabled={add.isPending} data-testid="price-save">
                {add.isPending ? 'Saving…' : 'Add price'}
              </button>
            </div>
          </form>
        )}
        {add.error ? <InlineError message={add.error.message} /> : null}
        {added ? <p className="text-ok small" role="status">Price for {added} saved; new spans are charged with it.</p> : null}
      </section>
    </div>
  );
}
