import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { Agent } from '../directory/agent.entity';
import { EndUser } from '../directory/end-user.entity';
import type { Ticket } from '../tickets/ticket.entity';
import { trackEvent } from './outbox';
import { TicketEvent, type TicketEventKind } from './ticket-event.entity';

/** Who did something: an agent, an end user, or the system (filters, schedulers). */
export interface EventActor {
  agent?: Agent | null;
  user?: EndUser | null;
}

/** The operation's viewer as the actor its events name (none: the system). */
export function actorOf(ctx: Pick<Context, 'viewer'>): EventActor {
  const v = ctx.viewer;
  if (!v) return {};
  return v.kind === 'agent' ? { agent: v.agent } : { user: v.user };
}

/** The acting agent's name as the command had it (its transaction's EntityManager may not hold the agent). */
const actorNames = new WeakMap<TicketEvent, string>();

/** The name of an event's acting agent when the command that recorded it knew it. */
export function actorAgentName(event: TicketEvent): string | undefined {
  return actorNames.get(event);
}

/**
 * Records an event in the caller's transaction: written, with its commit
 * order, by the transaction's last statement before COMMIT (outbox
 * `writeSealedEvents`), not by a flush.
 */
export function recordEvent(
  em: EntityManager,
  ticket: Ticket,
  kind: TicketEventKind,
  actor: EventActor,
  data: Record<string, unknown> | null = null,
): TicketEvent {
  const event = em.create(TicketEvent, {
    ticket: ref(ticket),
    kind,
    // by reference: the actor may belong to the operation's outer EntityManager
    actorAgent: actor.agent ? ref(Agent, actor.agent.id) : null,
    actorUser: actor.user ? ref(EndUser, actor.user.id) : null,
    data,
  }, { persist: false });
  if (typeof actor.agent?.name === 'string') actorNames.set(event, actor.agent.name);
  trackEvent(em, event);
  return event;
}
