import type { ApiKeyCreated } from '../../../api/types';
import { CopyButton } from '../../../components/CopyButton';
import { Dialog } from '../../../components/Dialog';
import { SCOPE_HELP } from '../scopes';

interface KeyCreatedDialogProps {
  /** The key just created; the dialog is open while this is set. */
  apiKey: ApiKeyCreated | null;
  title: string;
  projectName: string;
  onClose: () => void;
  /** Extra footer action, e.g. "Open project". */
  action?: { label: string; onClick: () => void };
}

/** Shows a new API key once, with copy buttons for the key and the environment lines to paste. */
export function KeyCreatedDialog({ apiKey, title, projectName, onClose, action }: KeyCreatedDialogProps) {
  return (
    <Dialog
      open={apiKey !== null}
      title={title}
      onClose={onClose}
      closeOnBackdrop={false}
      testId="key-created-dialog"
      wide
      footer={
        <>
          {action ? (
            <button type="button" className="btn" onClick={action.onClick} data-testid="key-dialog-action">
              {action.label}
            </button>
          ) : null}
          <button type="button" className="btn btn-primary" onClick={onClose} data-testid="key-dialog-done">
            I have copied the key
          </button>
        </>
      }
    >
      {apiKey ? (
        <>
          <div className="alert alert-warning" role="note">
            Copy this key now: it is shown only once. AgentStack keeps only a digest of it; if it is lost,
            create another key and revoke this one.
          </div>
          <div className="key-reveal-label">
            <span>
              Key <strong>{apiKey.name}</strong> for project <strong>{projectName}</strong> · scope{' '}
              <span className={`scope-badge scope-${apiKey.scope}`}>{apiKey.scope}</span>{' '}
              <span className="muted">({SCOPE_HELP[apiKey.scope]})</span>
            </span>
          </div>
          <div className="key-reveal">
            <code className="mono key-reveal-value" data-testid="created-key">
              {apiKey.key}
            </code>
            <CopyButton value={apiKey.key} label="Copy key" showLabel testId="copy-key" />
          </div>
          <div className="key-reveal-label">
            <span>
              {apiKey.scope === 'ingest'
                ? 'Paste into the environment of your agent:'
                : 'For a script: send the key as the X-API-Key header, or use these variables:'}
            </span>
          </div>
          <div className="key-reveal key-reveal-env">
            <pre className="mono key-reveal-value" data-testid="created-key-env">
              {apiKey.env}
            </pre>
            <CopyButton value={apiKey.env} label="Copy env" showLabel testId="copy-env" />
          </div>
        </>
      ) : null}
    </Dialog>
  );
}
