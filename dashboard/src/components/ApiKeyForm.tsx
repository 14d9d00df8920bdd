import { useState, type FormEvent } from 'react';

interface ApiKeyFormProps {
  /** Pre-filled value (e.g. the current key when changing it). */
  initialValue?: string;
  /** Error to show above the form, e.g. the message of a 401 response. */
  error?: string | null;
  onSave: (key: string) => void;
  /** When given, a Cancel button is shown. */
  onCancel?: () => void;
}

export function ApiKeyForm({ initialValue = '', error, onSave, onCancel }: ApiKeyFormProps) {
  const [value, setValue] = useState(initialValue);
  const [touched, setTouched] = useState(false);
  const trimmed = value.trim();

  const handleSubmit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (trimmed) onSave(trimmed);
  };

  return (
    <div className="center-page">
      <form className="card api-key-card" onSubmit={handleSubmit} data-testid="api-key-form">
        <h1 className="card-title">Connect to AgentStack</h1>
        <p className="muted">
          Paste the API key printed by <code>make run</code> (or in <code>.agentstack/local-api-key</code>)
        </p>
        {error ? (
          <div className="alert alert-error" role="alert" data-testid="api-key-error">
            {error}
          </div>
        ) : null}
        <label className="field-label" htmlFor="api-key-input">
          API key
        </label>
        <input
          id="api-key-input"
          className="input mono"
          data-testid="api-key-input"
          type="text"
          placeholder="ak_…"
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          autoFocus
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        {touched && !trimmed ? <div className="field-error">Enter an API key.</div> : null}
        <div className="form-actions">
          {onCancel ? (
            <button type="button" className="btn btn-ghost" onClick={onCancel}>
              Cancel
            </button>
          ) : null}
          <button type="submit" className="btn btn-primary" data-testid="api-key-save">
            Save
          </button>
        </div>
      </form>
    </div>
  );
}
