import { useState, type ReactNode } from 'react';
import './markdown.css';

interface FoldedProps {
  /** Size of the content in characters, to decide whether to fold and to say how much is hidden. */
  length: number;
  lines?: number;
  children: ReactNode;
  /** Fold when longer than this many characters (or lines). */
  maxChars?: number;
  maxLines?: number;
}

/** Long content folded to a fixed height with a "show all" toggle; short content shown as is. */
export function Folded({ length, lines = 0, children, maxChars = 1200, maxLines = 18 }: FoldedProps) {
  const [open, setOpen] = useState(false);
  const long = length > maxChars || lines > maxLines;
  if (!long) return <>{children}</>;
  return (
    <div className={`folded${open ? ' open' : ''}`} data-testid="folded">
      <div className="folded-body">{children}</div>
      <button type="button" className="link-button folded-toggle" onClick={() => setOpen((o) => !o)}>
        {open ? 'Show less' : `Show all (${length.toLocaleString()} characters)`}
      </button>
    </div>
  );
}
