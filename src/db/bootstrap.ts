import type { EntityManager } from '@mikro-orm/postgresql';
import { generatePassword } from '../modules/auth/secrets';
import { hashPassword } from '../modules/auth/password';
import { Agent } from '../modules/directory/agent.entity';
import { Department } from '../modules/directory/department.entity';
import { PERMISSIONS, type Permission } from '../modules/directory/permissions';
import { Role } from '../modules/directory/role.entity';
import { SlaPlan } from '../modules/sla/sla-plan.entity';
import { Priority } from '../modules/tickets/priority.entity';
import { TicketState } from '../modules/tickets/ticket-state';
import { TicketStatus } from '../modules/tickets/ticket-status.entity';

/** osTicket's default roles, by the permission keys of SPEC §1. */
export const DEFAULT_ROLES: { name: string; permissions: readonly Permission[] }[] = [
  { name: 'All Access', permissions: PERMISSIONS },
  {
    name: 'Expanded Access',
    permissions: [
      'ticket.create', 'ticket.edit', 'ticket.assign', 'ticket.release', 'ticket.transfer', 'ticket.reply',
      'ticket.close', 'ticket.merge', 'ticket.link', 'ticket.markanswered', 'thread.edit', 'canned.manage',
    ],
  },
  {
    name: 'Limited Access',
    permissions: ['ticket.create', 'ticket.assign', 'ticket.transfer', 'ticket.reply', 'ticket.close', 'ticket.markanswered'],
  },
  { name: 'Reply Only', permissions: ['ticket.reply'] },
  { name: 'View Only', permissions: [] },
];

export interface BootstrapResult {
  /** Set when this start created the first admin. */
  admin: { email: string; password: string | null } | null;
}

const BOOTSTRAP_LOCK = 7_460_001;

/**
 * First start on an empty database: the reference data of SPEC §2 and the
 * first admin. Idempotent, and safe when several processes start together
 * (a transaction-scoped advisory lock serializes them).
 */
export async function bootstrap(
  em: EntityManager,
  admin: { email: string; password: string | undefined },
): Promise<BootstrapResult> {
  return em.transactional(async (tx) => {
    await tx.execute('select pg_advisory_xact_lock(?)', [BOOTSTRAP_LOCK]);
    if ((await tx.count(TicketStatus, {})) === 0) {
      const statuses: [string, TicketState, boolean][] = [
        ['Open', TicketState.OPEN, true],
        ['Resolved', TicketState.CLOSED, true],
        ['Closed', TicketState.CLOSED, false],
        ['Archived', TicketState.ARCHIVED, true],
        ['Deleted', TicketState.DELETED, true],
      ];
      statuses.forEach(([name, state, isDefault], sort) => tx.create(TicketStatus, { name, state, isDefault, sort }));
    }
    if ((await tx.count(Priority, {})) === 0) {
      (['Low', 'Normal', 'High', 'Emergency'] as const).forEach((name, i) =>
        tx.create(Priority, { name, urgency: i + 1, isDefault: name === 'Normal' }),
      );
    }
    let sla = await tx.findOne(SlaPlan, { isDefault: true });
    if (!sla && (await tx.count(SlaPlan, {})) === 0) {
      sla = tx.create(SlaPlan, { name: 'Default SLA', gracePeriodHours: 18, isDefault: true });
    }
    let dept = await tx.findOne(Department, { isDefault: true });
    if (!dept && (await tx.count(Department, {})) === 0) {
      dept = tx.create(Department, { name: 'Support', isDefault: true, slaPlan: sla });
    }
    if ((await tx.count(Role, {})) === 0) {
      for (const role of DEFAULT_ROLES) tx.create(Role, { name: role.name, permissions: [...role.permissions] });
    }
    await tx.flush();

    if ((await tx.count(Agent, {})) > 0) return { admin: null };
    const password = admin.password ?? generatePassword();
    const allAccess = await tx.findOneOrFail(Role, { name: DEFAULT_ROLES[0]!.name });
    const primary = dept ?? (await tx.findOneOrFail(Department, {}, { orderBy: { id: 'asc' } }));
    tx.create(Agent, {
      name: 'Administrator',
      email: admin.email,
      username: 'admin',
      passwordHash: await hashPassword(password),
      isAdmin: true,
      primaryDepartment: primary,
      role: allAccess,
    });
    await tx.flush();
    return { admin: { email: admin.email, password: admin.password ? null : password } };
  });
}
