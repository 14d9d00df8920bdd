import { useEffect, useRef, useState, type ReactNode } from 'react';

interface DropdownProps {
  /** The trigger's content. */
  label: ReactNode;
  /** Menu content; gets `close` to call after an item is chosen. */
  children: (close: () => void) => ReactNode;
  triggerClassName?: string;
  triggerTitle?: string;
  testId?: string;
  align?: 'left' | 'right';
}

/** A button that opens a popover menu; closes on Esc, on an outside click and after a choice. */
export function Dropdown({ label, children, triggerClassName, triggerTitle, testId, align = 'left' }: DropdownProps) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') setOpen(false);
    };
    document.addEventListener('mousedown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="dropdown" ref={root}>
      <button
        type="button"
        className={triggerClassName ?? 'btn btn-ghost'}
        aria-haspopup="menu"
        aria-expanded={open}
        title={triggerTitle}
        onClick={() => setOpen((o) => !o)}
        data-testid={testId}
      >
        {label}
      </button>
      {open ? (
        <div className={`dropdown-menu dropdown-${align}`} role="menu" data-testid={testId ? `${testId}-menu` : undefined}>
          {children(() => setOpen(false))}
        </div>
      ) : null}
    </div>
  );
}
