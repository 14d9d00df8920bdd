import { useEffect, useRef, type ReactNode } from 'react';

interface DialogProps {
  open: boolean;
  title: string;
  /** Called on Esc, on the close button and on a click on the backdrop (unless `dismissable` is false). */
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom right. */
  footer?: ReactNode;
  /** False while something must not be interrupted (e.g. a request in flight). */
  dismissable?: boolean;
  testId?: string;
  wide?: boolean;
  /** False for dialogs whose content would be lost by a stray click (e.g. a key shown once). */
  closeOnBackdrop?: boolean;
}

/** A modal on the native `<dialog>` element: focus is trapped and the page behind is inert. */
export function Dialog(props: DialogProps) {
  const { open, title, onClose, children, footer, dismissable = true, testId, wide, closeOnBackdrop = true } = props;
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  if (!open) return null;
  return (
    <dialog
      ref={ref}
      className={`dialog${wide ? ' dialog-wide' : ''}`}
      data-testid={testId}
      aria-labelledby={testId ? `${testId}-title` : undefined}
      onCancel={(e) => {
        e.preventDefault(); // Esc: let React state decide
        if (dismissable) onClose();
      }}
      onMouseDown={(e) => {
        if (dismissable && closeOnBackdrop && e.target === e.currentTarget) onClose(); // backdrop
      }}
    >
      <div className="dialog-body">
        <div className="dialog-header">
          <h2 className="dialog-title" id={testId ? `${testId}-title` : undefined}>
            {title}
          </h2>
          <button
            type="button"
            className="btn btn-icon btn-ghost"
            aria-label="Close"
            onClick={onClose}
            disabled={!dismissable}
          >
            ×
          </button>
        </div>
        <div className="dialog-content">{children}</div>
        {footer ? <div className="dialog-footer">{footer}</div> : null}
      </div>
    </dialog>
  );
}
