import { ref } from '@mikro-orm/core';
import type { Context } from '../../common/context';
import { Problems } from '../../common/errors';
import { lookup } from '../../common/lookup';
import { cleanName } from '../../common/validate';
import { actorOf, recordEvent } from '../events/events.service';
import { TicketEventKind } from '../events/ticket-event.entity';
import { recomputeDue } from '../sla/due-date';
import { SlaPlan } from '../sla/sla-plan.entity';
import { HelpTopic } from './help-topic.entity';
import { Priority } from './priority.entity';
import { onTicket, touch } from './ticket.command';
import type { Ticket } from './ticket.entity';

// Edits of a ticket's own fields (SPEC §6). The other commands on a ticket:
// status.service.ts, assignment.service.ts, collaborator.service.ts,
// lock.service.ts, intake.service.ts (opening), threads/thread.service.ts (entries);
// all run through ticket.command.ts.

export interface UpdateTicketFields {
  ticketId: string;
  subject?: string | null;
  priorityId?: string | null;
  helpTopicId?: string | null;
  slaPlanId?: string | null;
  dueAt?: Date | null;
  expectedVersion?: number | null;
}

export function updateTicket(ctx: Context, input: UpdateTicketFields): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, { field: 'ticketId', action: 'edit', expectedVersion: input.expectedVersion }, async (c) => {
    const t = c.ticket;
    const problems = new Problems();
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const set = (key: string, old: unknown, value: unknown) => {
      if (old === value) return;
      before[key] = old;
      after[key] = value;
    };
    if (input.subject != null) {
      const subject = cleanSubject(problems, input.subject);
      set('subject', t.subject, subject);
      t.subject = subject;
    }
    if (input.priorityId != null) {
      const p = await lookup(c.em, Priority, 'Priority', input.priorityId, 'priorityId', problems);
      if (p) {
        set('priorityId', t.priority.id, p.id);
        t.priority = ref(p);
        t.urgency = p.urgency;
      }
    }
    if (input.helpTopicId !== undefined) {
      const h = input.helpTopicId ? await lookup(c.em, HelpTopic, 'HelpTopic', input.helpTopicId, 'helpTopicId', problems) : null;
      set('helpTopicId', t.helpTopic?.id ?? null, h?.id ?? null);
      t.helpTopic = h ? ref(h) : null;
    }
    let slaChanged = false;
    if (input.slaPlanId !== undefined) {
      const s = input.slaPlanId ? await lookup(c.em, SlaPlan, 'SlaPlan', input.slaPlanId, 'slaPlanId', problems) : null;
      slaChanged = (t.slaPlan?.id ?? null) !== (s?.id ?? null);
      set('slaPlanId', t.slaPlan?.id ?? null, s?.id ?? null);
      t.slaPlan = s ? ref(s) : null;
      // An agent's choice: a later transfer keeps it.
      if (slaChanged) t.slaPlanInherited = false;
    }
    const oldDue = t.dueAt;
    if (input.dueAt !== undefined) {
      t.dueAtOverride = input.dueAt;
      if (input.dueAt) t.dueAt = input.dueAt;
    }
    problems.throwIfAny();
    if (slaChanged || (input.dueAt === null && oldDue)) await recomputeDue(c.em, t, t.reopenedAt ?? t.createdAt);
    set('dueAt', oldDue?.toISOString() ?? null, t.dueAt?.toISOString() ?? null);
    if (Object.keys(after).length === 0) return t;
    touch(t, c.now);
    recordEvent(c.em, t, TicketEventKind.EDITED, actorOf(ctx), { before, after });
    return t;
  });
}

export function markTicketAnswered(ctx: Context, input: { ticketId: string; answered: boolean }): Promise<Ticket> {
  return onTicket(ctx, input.ticketId, { field: 'ticketId', action: 'markAnswered' }, async (c) => {
    if (c.ticket.isAnswered === input.answered) return c.ticket;
    c.ticket.isAnswered = input.answered;
    touch(c.ticket, c.now);
    recordEvent(c.em, c.ticket, TicketEventKind.EDITED, actorOf(ctx), { before: { isAnswered: !input.answered }, after: { isAnswered: input.answered } });
    return c.ticket;
  });
}

export function cleanSubject(problems: Problems, value: string): string {
  return cleanName(problems, value, 'subject', 255);
}
