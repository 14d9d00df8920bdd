interface InlineErrorProps {
  message: string;
}

/** A small banner for errors that happen while stale data stays on screen. */
export function InlineError({ message }: InlineErrorProps) {
  return (
    <div className="alert alert-error" role="alert" data-testid="inline-error">
      {message}
    </div>
  );
}
