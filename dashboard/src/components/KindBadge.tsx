import { kindClass } from '../lib/kinds';

interface KindBadgeProps {
  kind: string;
}

export function KindBadge({ kind }: KindBadgeProps) {
  return (
    <span className={`kind-badge ${kindClass(kind)}`} data-testid="kind-badge">
      {kind || 'span'}
    </span>
  );
}
