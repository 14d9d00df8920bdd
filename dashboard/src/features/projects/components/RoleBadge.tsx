import type { Role } from '../../../api/types';
import { ROLE_DESCRIPTIONS } from '../roles';

export function RoleBadge({ role }: { role: Role }) {
  return (
    <span className={`role-badge role-${role}`} title={`${role}: ${ROLE_DESCRIPTIONS[role]}`} data-testid="role-badge">
      {role}
    </span>
  );
}
