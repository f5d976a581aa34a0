import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../config';
import type { Context, Services } from '../../common/context';
import type { Logger } from '../../common/logger';
import { inTransaction } from '../../common/tx';
import { storeAttachment, type NewAttachment } from '../attachments/attachment.service';
import type { Attachment } from '../attachments/attachment.entity';
import { findOrCreateEndUser } from '../directory/end-user.service';
import { EndUser } from '../directory/end-user.entity';
import { postMessage } from '../threads/thread.service';
import type { ThreadEntry } from '../threads/thread-entry.entity';
import { openTicket } from '../tickets/intake.service';
import type { Ticket } from '../tickets/ticket.entity';
import { TicketSource } from '../tickets/ticket-source';

// The one place the email module calls the ticket commands: inbound mail goes
// through the same intake and message commands as every other door, so it
// makes the same events, queue updates and counts.

export interface BridgeDeps {
  orm: MikroORM;
  config: Config;
  log: Logger;
  services: Services;
}

function contextFor(deps: BridgeDeps, viewer: Context['viewer']): Context {
  return { em: deps.orm.em.fork(), viewer, config: deps.config, log: deps.log, ip: 'email', memo: new Map(), services: deps.services };
}

/** The sender as the viewer of a command (they act by email as they would through the API). */
function senderContext(deps: BridgeDeps, user: EndUser): Context {
  return contextFor(deps, { kind: 'endUser', user, tokenId: 0, ticketScope: null });
}

export async function endUserFor(deps: BridgeDeps, email: string, name: string | null): Promise<EndUser> {
  const ctx = contextFor(deps, null);
  const id = await inTransaction(ctx, async (em) => (await findOrCreateEndUser(em, email, name)).id);
  return ctx.em.findOneOrFail(EndUser, id);
}

/** An attachment of the sender's, not yet on any entry (the email's own). */
export function storeSenderAttachment(deps: BridgeDeps, user: EndUser, file: NewAttachment): Promise<Attachment> {
  return storeAttachment(senderContext(deps, user), file);
}

export interface EmailTicket {
  subject: string;
  body: string;
  owner: { email: string; name: string | null };
  departmentId: string | null;
  helpTopicId: string | null;
  priorityId: string | null;
  collaborators: { email: string; name: string | null }[];
}

/** A new ticket from a new email: the system opens it for the sender, source EMAIL (filters run as for any intake). */
export async function openTicketFromEmail(deps: BridgeDeps, t: EmailTicket): Promise<Ticket> {
  const result = await openTicket(
    contextFor(deps, null),
    {
      subject: t.subject,
      body: t.body,
      owner: t.owner,
      departmentId: t.departmentId,
      helpTopicId: t.helpTopicId,
      priorityId: t.priorityId,
      source: TicketSource.EMAIL,
      collaborators: t.collaborators,
    },
    { system: true },
  );
  return result.ticket;
}

/** A reply by email: the sender's MESSAGE, refused unless they are the owner or an active collaborator. */
export function postMessageFromEmail(deps: BridgeDeps, user: EndUser, ticketId: string, body: string): Promise<{ ticket: Ticket; entry: ThreadEntry }> {
  return postMessage(senderContext(deps, user), { ticketId, body });
}
