import { useState, type FormEvent } from 'react';
import { ErrorState } from '../../../components/ErrorState';
import { InlineError } from '../../../components/InlineError';
import { LoadingState } from '../../../components/LoadingState';
import type { Role } from '../../../api/types';
import { atLeast } from '../../projects/roles';
import { useRules, useSaveRules } from '../hooks/useSecurity';

/** Editable numeric rules: a key of ProjectRules (actors/security/policy.py), or `runaway.<limit>`. */
const NUMBER_RULES: { path: string; label: string; hint: string; step: string }[] = [
  { path: 'injection_threshold', label: 'Injection threshold', hint: 'score 1–100 that raises an alert', step: '1' },
  { path: 'min_score', label: 'Minimum PII/secret confidence', hint: '0–1', step: '0.05' },
  { path: 'loop_threshold', label: 'Loop threshold', hint: 'same call this many times in a trace', step: '1' },
  { path: 'runaway.max_spans', label: 'Runaway: max spans', hint: 'per trace', step: '1' },
  { path: 'runaway.max_duration_s', label: 'Runaway: max duration (s)', hint: 'per trace', step: '1' },
  { path: 'runaway.max_cost_usd', label: 'Runaway: max cost (USD)', hint: 'per trace', step: '0.01' },
  { path: 'anomaly_sigma', label: 'Anomaly: standard deviations', hint: 'above the mean', step: '0.1' },
  { path: 'anomaly_warmup', label: 'Anomaly: warm-up samples', hint: 'per operation before judging', step: '1' },
];

type Json = Record<string, unknown>;

function read(rules: Json, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Json | undefined)?.[key], rules);
}

/** `overrides` with `path` set to `value` (a `runaway.*` path keeps the other runaway overrides). */
function write(overrides: Json, path: string, value: unknown): Json {
  const [head, tail] = path.split('.');
  if (!tail) return { ...overrides, [head]: value };
  return { ...overrides, [head]: { ...((overrides[head] as Json | undefined) ?? {}), [tail]: value } };
}

/**
 * The project's scanner rules over `configs/security.yaml`'s defaults. The server shows them to admins only
 * (others see why); admins change them here.
 */
export function RulesPanel({ projectId, role }: { projectId: string; role: Role }) {
  const isAdmin = atLeast(role, 'admin');
  const { data, error, isPending, refetch } = useRules(projectId, isAdmin);
  const save = useSaveRules(projectId);
  const [draft, setDraft] = useState<Json | null>(null);
  const [disabledText, setDisabledText] = useState<string | null>(null);

  if (!isAdmin)
    return (
      <section className="panel" data-testid="rules-panel">
        <h2 className="panel-title">Scanner rules</h2>
        <p className="muted small" data-testid="rules-readonly">
          Only admins and owners of this project see and change its scanner rules; you are a {role}. The defaults
          are in <code>configs/security.yaml</code>.
        </p>
      </section>
    );
  if (isPending) return <LoadingState label="Loading the rules…" />;
  if (error || !data) return <ErrorState title="Could not load the rules" message={error?.message ?? ''} onRetry={() => refetch()} />;

  const overrides = draft ?? (data.overrides as Json);
  const effective = (path: string) => read(overrides, path) ?? read(data.effective, path);
  const disabledList = (effective('disabled_entities') as string[] | undefined) ?? [];
  const disabled = disabledText ?? disabledList.join(', ');
  const dirty = draft !== null || disabledText !== null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    let next = overrides;
    if (disabledText !== null) {
      const entities = disabledText.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);
      next = write(next, 'disabled_entities', entities);
    }
    save.mutate({ overrides: next }, { onSuccess: () => { setDraft(null); setDisabledText(null); } });
  };

  return (
    <form className="panel rules-panel" onSubmit={submit} data-testid="rules-panel">
      <h2 className="panel-title">Scanner rules</h2>
      <p className="panel-text muted">
        Defaults come from <code>configs/security.yaml</code>; values changed here apply to this project’s new spans.
      </p>
      <div className="rules-grid">
        {NUMBER_RULES.map((rule) => {
          const value = effective(rule.path);
          const def = read(data.defaults, rule.path);
          return (
            <label key={rule.path} className="field">
              <span className="field-label">{rule.label}</span>
              <input className="input" type="number" step={rule.step} value={String(value ?? '')}
                onChange={(e) => setDraft(write(overrides, rule.path, e.target.value === '' ? def : Number(e.target.value)))}
                data-testid={`rule-${rule.path}`} />
              <span className="field-hint muted small">
                {rule.hint}
                {value !== def ? ` · default ${String(def)}` : ''}
              </span>
            </label>
          );
        })}
        <label className="field rules-wide">
          <span className="field-label">Entity types never alerted on</span>
          <input className="input" value={disabled} placeholder="e.g. IP_ADDRESS, PHONE_NUMBER"
            onChange={(e) => setDisabledText(e.target.value)} data-testid="rule-disabled-entities" />
        </label>
      </div>
      {save.error ? <InlineError message={save.error.message} /> : null}
      <div className="button-row">
        <button type="submit" className="btn btn-primary btn-small" disabled={!dirty || save.isPending} data-testid="rules-save">
          {save.isPending ? 'Saving…' : 'Save rules'}
        </button>
        {dirty ? (
          <button type="button" className="btn btn-ghost btn-small" onClick={() => { setDraft(null); setDisabledText(null); }}>
            Discard
          </button>
        ) : null}
        {Object.keys(data.overrides).length ? (
          <button type="button" className="btn btn-ghost btn-small" disabled={save.isPending}
            onClick={() => save.mutate({ overrides: {} }, { onSuccess: () => { setDraft(null); setDisabledText(null); } })}
            data-testid="rules-reset">
            Reset to defaults
          </button>
        ) : null}
      </div>
    </form>
  );
}
