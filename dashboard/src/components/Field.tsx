import type { ReactNode } from 'react';

interface FieldProps {
  label: ReactNode;
  /** Error for this field (e.g. from a 422 naming it). */
  error?: string | null;
  hint?: ReactNode;
  children: ReactNode;
  className?: string;
}

/** A labelled form control with its hint and error underneath. */
export function Field({ label, error, hint, children, className }: FieldProps) {
  return (
    <label className={`field${className ? ` ${className}` : ''}`}>
      <span className="field-label">{label}</span>
      {children}
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : hint ? (
        <span className="field-hint">{hint}</span>
      ) : null}
    </label>
  );
}
