import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { lookup } from '../../common/lookup';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { Team } from '../directory/team.entity';
import { actorOf, recordEvent, type EventActor } from '../events/events.service';
import { TicketEventKind } from '../events/ticket-event.entity';
import { inheritedSlaPlan, recomputeDue } from '../sla/due-date';
import { onTicket, touch, type TicketCommand } from './ticket.command';
import type { Ticket } from './ticket.entity';
import { agentWorksIn, asAgent, loadPrincipal, type AgentPrincipal } from './ticket.policy';

// Who works a ticket, and where: assign, claim, release, transfer (SPEC §1, §6).

/** The agent is inactive, or has no access to the department (SPEC §1: assignees are active, with access there). */
export type NotAssignable = 'inactive' | 'noAccess';

export const INACTIVE_AGENT = 'The agent is inactive and cannot be assigned';

/** Why an agent may not be assigned tickets of a department; null when it may. */
export async function whyNotAssignable(em: EntityManager, agent: Agent, departmentId: number): Promise<NotAssignable | null> {
  if (!agent.isActive) return 'inactive';
  const target = await loadPrincipal(em, { kind: 'agent', agent, tokenId: 0, via: 'session' });
  return agentWorksIn(target as AgentPrincipal, departmentId) ? null : 'noAccess';
}

/** Whether an agent may be assigned tickets of a department. */
export async function assignableIn(em: EntityManager, agent: Agent, departmentId: number): Promise<boolean> {
  return (await whyNotAssignable(em, agent, departmentId)) === null;
}

export function assignTicket(ctx: Context, input: { ticketId: string; agentId?: string | null; teamId?: string | null; note?: string | null }): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, { field: 'ticketId', action: 'assign' }, async (c) => {
    if (!input.agentId && !input.teamId) fail(ErrorCode.BAD_USER_INPUT, 'Name an agent, a team, or both', 'agentId');
    const problems = new Problems();
    const agent = input.agentId ? await lookup(c.em, Agent, 'Agent', input.agentId, 'agentId', problems) : null;
    const team = input.teamId ? await lookup(c.em, Team, 'Team', input.teamId, 'teamId', problems) : null;
    problems.throwIfAny();
    const why = agent ? await whyNotAssignable(c.em, agent, c.ticket.department.id) : null;
    if (why === 'inactive') fail(ErrorCode.BAD_USER_INPUT, INACTIVE_AGENT, 'agentId');
    if (why === 'noAccess') fail(ErrorCode.BAD_USER_INPUT, "The agent has no access to the ticket's department", 'agentId');
    setAssignment(c, agent, team, actorOf(ctx), input.note ?? null);
    return c.ticket;
  });
}

function setAssignment(c: TicketCommand, agent: Agent | null, team: Team | null, actor: EventActor, note: string | null): void {
  const before = { agentId: c.ticket.assignee?.id ?? null, teamId: c.ticket.team?.id ?? null };
  if (agent) c.ticket.assignee = ref(agent);
  if (team) c.ticket.team = ref(team);
  const after = { agentId: c.ticket.assignee?.id ?? null, teamId: c.ticket.team?.id ?? null };
  if (before.agentId === after.agentId && before.teamId === after.teamId) return;
  touch(c.ticket, c.now);
  recordEvent(c.em, c.ticket, TicketEventKind.ASSIGNED, actor, { before, after, ...(note ? { note } : {}) });
}

/** Assigns the ticket to the viewer; already theirs: nothing to do. */
export function claimTicket(ctx: Context, ticketId: string): Promise<Ticket> {
  return onTicket(ctx, ticketId, { field: 'ticketId', action: 'claim' }, async (c) => {
    const me = asAgent(c.principal);
    if (c.ticket.assignee?.id === me.agentId) return c.ticket;
    const agent = await c.em.findOneOrFail(Agent, me.agentId);
    setAssignment(c, agent, null, actorOf(ctx), null);
    return c.ticket;
  });
}

export function releaseTicket(ctx: Context, ticketId: string): Promise<Ticket> {
  return onTicket(ctx, ticketId, { field: 'ticketId', action: 'release' }, async (c) => {
    const before = { agentId: c.ticket.assignee?.id ?? null, teamId: c.ticket.team?.id ?? null };
    c.ticket.assignee = null;
    c.ticket.team = null;
    touch(c.ticket, c.now);
    recordEvent(c.em, c.ticket, TicketEventKind.RELEASED, actorOf(ctx), { before, after: { agentId: null, teamId: null } });
    return c.ticket;
  });
}

export function transferTicket(ctx: Context, input: { ticketId: string; departmentId: string; note?: string | null }): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, { field: 'ticketId', action: 'transfer' }, async (c) => {
    const problems = new Problems();
    const dept = await lookup(c.em, Department, 'Department', input.departmentId, 'departmentId', problems);
    problems.throwIfAny();
    if (dept!.id === c.ticket.department.id) return c.ticket;
    const t = c.ticket;
    const before: Record<string, unknown> = { departmentId: t.department.id };
    const after: Record<string, unknown> = { departmentId: dept!.id };
    t.department = ref(dept!);
    // The new department's SLA applies only to a plan the ticket inherited (SPEC §6): one a help
    // topic, filter or agent chose stays, and so does its due date.
    if (t.slaPlanInherited) {
      const plan = await inheritedSlaPlan(c.em, dept!);
      if ((plan?.id ?? null) !== (t.slaPlan?.id ?? null)) {
        const oldDue = t.dueAt;
        before.slaPlanId = t.slaPlan?.id ?? null;
        after.slaPlanId = plan?.id ?? null;
        t.slaPlan = plan ? ref(plan) : null;
        await recomputeDue(c.em, t, t.reopenedAt ?? t.createdAt);
        if ((oldDue?.getTime() ?? null) !== (t.dueAt?.getTime() ?? null)) {
          before.dueAt = oldDue?.toISOString() ?? null;
          after.dueAt = t.dueAt?.toISOString() ?? null;
        }
      }
    }
    touch(t, c.now);
    recordEvent(c.em, t, TicketEventKind.TRANSFERRED, actorOf(ctx), { before, after, ...(input.note ? { note: input.note } : {}) });
    return t;
  });
}
