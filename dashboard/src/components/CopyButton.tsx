import { useEffect, useState } from 'react';

interface CopyButtonProps {
  value: string;
  label?: string;
  /** Show the label next to the icon (for the important copies, e.g. a key shown once). */
  showLabel?: boolean;
  testId?: string;
}

export function CopyButton({ value, label = 'Copy', showLabel = false, testId }: CopyButtonProps) {
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const t = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(t);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // Clipboard unavailable (e.g. insecure context): fall back to a prompt.
      window.prompt('Copy to clipboard:', value);
    }
  };

  return (
    <button
      type="button"
      className={showLabel ? 'btn btn-small btn-copy' : 'btn btn-icon'}
      onClick={copy}
      title={showLabel ? label : `${label}: ${value}`}
      aria-label={label}
      data-testid={testId}
    >
      {copied ? (
        <svg viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden="true">
          <path d="M3 8.5l3 3 7-7" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      ) : (
        <svg viewBox="0 0 16 16" fill="none" stroke="currentColor" strokeWidth="1.4" aria-hidden="true">
          <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" />
          <path d="M10.5 3.5v-.5a1.5 1.5 0 0 0-1.5-1.5H4A1.5 1.5 0 0 0 2.5 3v5A1.5 1.5 0 0 0 4 9.5h.5" />
        </svg>
      )}
      {showLabel ? <span>{copied ? 'Copied' : label}</span> : null}
    </button>
  );
}
