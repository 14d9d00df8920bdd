import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

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
  const menu = useRef<HTMLDivElement>(null);

  /** Arrow keys move between the menu's items (wrapping), Home/End jump to the ends. */
  const onMenuKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = Array.from(menu.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? []);
    if (items.length === 0) return;
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const next: Record<string, number> = {
      ArrowDown: (at + 1) % items.length,
      ArrowUp: (at - 1 + items.length) % items.length,
      Home: 0,
      End: items.length - 1,
    };
    if (e.key in next) {
      e.preventDefault();
      items[next[e.key]].focus();
    }
  };

  useEffect(() => {
    // Keyboard users land on the current (or first) item when the menu opens.
    if (!open) return;
    const items = menu.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)');
    const selected = menu.current?.querySelector<HTMLButtonElement>('button[aria-checked="true"]');
    (selected ?? items?.[0])?.focus({ preventScroll: true });
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const onPointer = (e: globalThis.MouseEvent) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        root.current?.querySelector<HTMLButtonElement>('button')?.focus();
      }
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
        <div
          ref={menu}
          className={`dropdown-menu dropdown-${align}`}
          role="menu"
          onKeyDown={onMenuKeyDown}
          data-testid={testId ? `${testId}-menu` : undefined}
        >
          {children(() => setOpen(false))}
        </div>
      ) : null}
    </div>
  );
}
