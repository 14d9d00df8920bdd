import { useState, type ReactNode } from 'react';
import { Dialog } from './Dialog';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onClose: () => void;
  busy?: boolean;
  /** Error of the last attempt, shown in the dialog. */
  error?: string | null;
  /** When set, the confirm button stays disabled until this exact text is typed. */
  requireText?: string;
  danger?: boolean;
  testId?: string;
}

/** "Are you sure?" — optionally asking the user to type a name before a destructive action. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { open, title, children, confirmLabel, onConfirm, onClose, busy, error, requireText, danger, testId } = props;
  const [typed, setTyped] = useState('');
  const matches = requireText === undefined || typed === requireText;
  const close = () => {
    setTyped('');
    onClose();
  };

  return (
    <Dialog
      open={open}
      title={title}
      onClose={close}
      dismissable={!busy}
      testId={testId}
      footer={
        <>
          <button type="button" className="btn btn-ghost" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`}
            onClick={onConfirm}
            disabled={busy || !matches}
            data-testid="confirm-button"
          >
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      <div className="dialog-text">{children}</div>
      {requireText !== undefined ? (
        <label className="field">
          <span className="field-label">
            Type <strong className="mono">{requireText}</strong> to confirm
          </span>
          <input
            className="input"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            autoFocus
            data-testid="confirm-input"
          />
        </label>
      ) : null}
      {error ? (
        <div className="alert alert-error" role="alert" data-testid="confirm-error">
          {error}
        </div>
      ) : null}
    </Dialog>
  );
}
