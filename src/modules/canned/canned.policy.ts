import type { Permission } from '../directory/permissions';
import type { CannedResponse } from './canned-response.entity';
import type { Principal } from '../tickets/ticket.policy';

type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;

/** What the rules need to know about a canned response. */
export interface CannedFacts {
  departmentId: number | null;
  isEnabled: boolean;
}

export function cannedFacts(c: CannedResponse): CannedFacts {
  return { departmentId: c.department?.id ?? null, isEnabled: c.isEnabled };
}

/**
 * The agent's own role in a department: the primary role there, or the role
 * of an extra department access; none elsewhere. (Unlike `permissionsOn`, no
 * fallback to the primary role: seeing a ticket through an assignment grants
 * nothing over that department's canned responses.)
 */
function roleIn(p: AgentPrincipal, departmentId: number): readonly Permission[] {
  if (departmentId === p.primaryDepartmentId) return p.primaryPermissions;
  return p.extra.get(departmentId) ?? [];
}

/**
 * Who may create, change or delete a canned response of a department
 * (SPEC §1 `canned.manage`, granted per department): admins, and agents whose
 * role in that department has `canned.manage`. All-departments responses
 * (department null) reach every department, so only admins manage them.
 */
export function canManageCanned(p: Principal, departmentId: number | null): boolean {
  if (p.kind !== 'agent') return false;
  if (p.isAdmin) return true;
  return departmentId !== null && roleIn(p, departmentId).includes('canned.manage');
}

/**
 * Who may read a canned response: any agent while it is enabled (they are
 * staff templates, used on any ticket of their department that an agent
 * works — as in osTicket), and those who manage it even when disabled.
 * End users never.
 */
export function canReadCanned(p: Principal, c: CannedFacts): boolean {
  if (p.kind !== 'agent') return false;
  return c.isEnabled || canManageCanned(p, c.departmentId);
}

/** Whether a canned response may be used on a ticket of this department: enabled, and all-departments or the ticket's own. */
export function usableOnTicket(c: CannedFacts, ticketDepartmentId: number): boolean {
  return c.isEnabled && (c.departmentId === null || c.departmentId === ticketDepartmentId);
}

/** The departments an agent works in (primary and extra), for the default listing. */
export function departmentsOf(p: AgentPrincipal): number[] {
  return [p.primaryDepartmentId, ...p.extra.keys()];
}
