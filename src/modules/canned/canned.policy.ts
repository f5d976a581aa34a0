import { ErrorCode, type Refusal } from '../../common/errors';
import type { Permission } from '../directory/permissions';
import type { CannedResponse } from './canned-response.entity';
import type { AgentPrincipal, Principal } from '../tickets/ticket.policy';

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

export type CannedAction = 'read' | 'manage';

export const CANNED_AGENTS_ONLY: Refusal = { code: ErrorCode.FORBIDDEN, message: 'Canned responses are for agents' };

/**
 * Whether the principal may read or manage (create, change, delete) a canned
 * response; null when it may, else the refusal. End users never.
 *
 * - manage (SPEC §1 `canned.manage`, granted per department): admins, and
 *   agents whose role in that department has `canned.manage`. All-departments
 *   responses (department null) reach every department, so only admins manage them.
 * - read: any agent while it is enabled (they are staff templates, used on any
 *   ticket of their department that an agent works — as in osTicket), and
 *   those who manage it even when disabled; NOT_FOUND otherwise (existence is not leaked).
 */
export function decideCanned(p: Principal, action: CannedAction, c: CannedFacts): Refusal | null {
  if (p.kind !== 'agent') return CANNED_AGENTS_ONLY;
  const manages = p.isAdmin || (c.departmentId !== null && roleIn(p, c.departmentId).includes('canned.manage'));
  if (action === 'read') return c.isEnabled || manages ? null : { code: ErrorCode.NOT_FOUND, message: 'Canned response not found' };
  if (manages) return null;
  const message = c.departmentId === null ? 'Only administrators manage canned responses for all departments' : 'Your role may not manage canned responses in this department';
  return { code: ErrorCode.FORBIDDEN, message };
}

/** Whether a canned response may be used on a ticket of this department: enabled, and all-departments or the ticket's own. */
export function usableOnTicket(c: CannedFacts, ticketDepartmentId: number): boolean {
  return c.isEnabled && (c.departmentId === null || c.departmentId === ticketDepartmentId);
}
