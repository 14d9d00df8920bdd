import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import type { Role } from '../../../api/types';
import { formatDateTime } from '../../../lib/format';
import { denyReason } from '../../projects/roles';
import type { ProjectRules } from '../api';
import { useRules, useSaveRules } from '../hooks/useSecurity';

interface NumberRule {
  key: string;
  label: string;
  hint: string;
  step: string;
  get: (r: ProjectRules) => number;
  set: (r: ProjectRules, v: number) => ProjectRules;
}

const NUMBER_RULES: NumberRule[] = [
  { key: 'injection_threshold', label: 'Injection threshold', hint: 'score 1–100 that raises an alert', step: '1',
    get: (r) => r.injection_threshold, set: (r, v) => ({ ...r, injection_threshold: v }) },
  { key: 'min_score', label: 'Minimum PII/secret confidence', hint: '0–1', step: '0.05',
    get: (r) => r.min_score, set: (r, v) => ({ ...r, min_score: v }) },
  { key: 'loop_threshold', label: 'Loop threshold', hint: 'same call this many times in a trace', step: '1',
    get: (r) => r.loop_threshold, set: (r, v) => ({ ...r, loop_threshold: v }) },
  { key: 'max_spans', label: 'Runaway: max spans', hint: 'per trace', step: '1',
    get: (r) => r.runaway.max_spans, set: (r, v) => ({ ...r, runaway: { ...r.runaway, max_spans: v } }) },
  { key: 'max_duration_s', label: 'Runaway: max duration (s)', hint: 'per trace', step: '1',
    get: (r) => r.runaway.max_duration_s, set: (r, v) => ({ ...r, runaway: { ...r.runaway, max_duration_s: v } }) },
  { key: 'max_cost_usd', label: 'Runaway: max cost (USD)', hint: 'per trace', step: '0.01',
    get: (r) => r.runaway.max_cost_usd, set: (r, v) => ({ ...r, runaway: { ...r.runaway, max_cost_usd: v } }) },
  { key: 'anomaly_sigma', label: 'Anomaly: standard deviations', hint: 'above the mean', step: '0.1',
    get: (r) => r.anomaly_sigma, set: (r, v) => ({ ...r, anomaly_sigma: v }) },
  { key: 'anomaly_warmup', label: 'Anomaly: warm-up samples', hint: 'per operation before judging', step: '1',
    get: (r) => r.anomaly_warmup, set: (r, v) => ({ ...r, anomaly_warmup: v }) },
];

/** The project's scanner rules over `configs/security.yaml`'s defaults: admins edit, everyone else reads. */
export function RulesPanel({ projectId, role }: { projectId: string; role: Role }) {
  const { data, error, isPending, refetch } = useRules(projectId);
  const save = useSaveRules(projectId);
  const [draft, setDraft] = useState<ProjectRules | null>(null);
  const [disabledText, setDisabledText] = useState<string | null>(null);
  const why = denyReason(role, 'admin', 'edit the security rules');

  if (isPending) return <LoadingState label="Loading the rules…" />;
  if (error || !data) return <ErrorState title="Could not load the rules" message={error?.message ?? ''} onRetry={() => refetch()} />;

  const rules = draft ?? data.rules;
  const disabled = disabledText ?? rules.disabled_entities.join(', ');
  const dirty = draft !== null || disabledText !== null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const entities = disabled.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
    save.mutate(
      { ...rules, disabled_entities: entities },
      { onSuccess: () => { setDraft(null); setDisabledText(null); } },
    );
  };

  return (
    <form className="panel rules-panel" onSubmit={submit} data-testid="rules-panel">
      <h2 className="panel-title">Scanner rules</h2>
      <p className="panel-text muted">
        Defaults come from <code>configs/security.yaml</code>; values changed here apply to this project’s new spans.
        {data.updated_by ? ` Last changed by ${data.updated_by}${data.updated_at ? `, ${formatDateTime(data.updated_at)}` : ''}.` : ''}
      </p>
      {why ? <p className="muted small" data-testid="rules-readonly">{why}</p> : null}
      <div className="rules-grid">
        {NUMBER_RULES.map((rule) => {
          const value = rule.get(rules);
          const def = rule.get(data.defaults);
          return (
            <label key={rule.key} className="field">
              <span className="field-label">{rule.label}</span>
              <input className="input" type="number" step={rule.step} value={value} disabled={why !== null}
                onChange={(e) => setDraft(rule.set(rules, Number(e.target.value)))} data-testid={`rule-${rule.key}`} />
              <span className="field-hint muted small">
                {rule.hint}
                {value !== def ? ` · default ${def}` : ''}
              </span>
            </label>
          );
        })}
        <label className="field rules-wide">
          <span className="field-label">Entity types never alerted on</span>
          <input className="input" value={disabled} disabled={why !== null} placeholder="e.g. IP_ADDRESS, PHONE_NUMBER"
            onChange={(e) => setDisabledText(e.target.value)} data-testid="rule-disabled-entities" />
        </label>
      </div>
      {save.error ? <InlineError message={save.error.message} /> : null}
      {why === null ? (
        <div className="button-row">
          <button type="submit" className="btn btn-primary btn-small" disabled={!dirty || save.isPending} data-testid="rules-save">
            {save.isPending ? 'Saving…' : 'Save rules'}
          </button>
          {dirty ? (
            <button type="button" className="btn btn-ghost btn-small" onClick={() => { setDraft(null); setDisabledText(null); }}>
              Discard
            </button>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
