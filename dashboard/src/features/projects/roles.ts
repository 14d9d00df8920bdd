/** Project roles and what each may do (mirrors the server's checks; the server stays the authority). */

import type { Me, MeProject, Role } from '../../api/types';

export const ROLES: readonly Role[] = ['viewer', 'member', 'admin', 'owner'];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: 'reads traces',
  member: 'reads traces and manages alerts',
  admin: 'also manages API keys and members',
  owner: 'also deletes the project and grants ownership',
};

export function atLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/** The role the user acts with in a project: instance admins act as owner everywhere. */
export function effectiveRole(me: Me, project: MeProject): Role {
  return me.user.is_admin ? 'owner' : project.role;
}

/** Why a button is disabled for `role` (or null when `minimum` is met). */
export function denyReason(role: Role, minimum: Role, action: string): string | null {
  if (atLeast(role, minimum)) return null;
  const who = minimum === 'owner' ? 'owners' : `${minimum}s and owners`;
  return `Only ${who} can ${action}; you are ${role === 'admin' || role === 'owner' ? 'an' : 'a'} ${role}.`;
}
