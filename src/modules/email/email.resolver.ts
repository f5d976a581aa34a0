import DataLoader from 'dataloader';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import { keysetPage, PageArgs, type ConnectionShape } from '../../common/connection';
import { memo, type Context } from '../../common/context';
import { decodeIdOf } from '../../common/global-id';
import { payload } from '../../common/errors';
import { registerNode } from '../../common/node';
import { DeletePayload, payloadType } from '../../common/payloads';
import type { Department } from '../directory/department.entity';
import { DeleteInput } from '../directory/directory.inputs';
import { DepartmentType } from '../directory/directory.type';
import type { HelpTopic } from '../tickets/help-topic.entity';
import type { Priority } from '../tickets/priority.entity';
import { PriorityType } from '../tickets/reference.type';
import { HelpTopicType } from '../tickets/ticket.type';
import type { ThreadEntry } from '../threads/thread-entry.entity';
import { ThreadEntryObject } from '../threads/thread.type';
import { principalOf } from '../tickets/ticket.policy';
import { ticketById } from '../tickets/ticket.query';
import { EmailAddressState, InboundEmail, InboundEmailStatus, OutboundEmail, OutboundEmailStatus, RecipientKind } from './email.entity';
import { agentsOnly, outboxForbidden } from './email.errors';
import { CreateMailboxInput, UpdateDepartmentEmailSettingsInput, UpdateEmailTemplateInput, UpdateMailboxInput } from './email.inputs';
import { outboxAccess, readsEmailDetails } from './email.policy';
import * as templates from './email-template.service';
import {
  DepartmentEmailSettingsType,
  EmailDeliveryState,
  EmailDeliveryType,
  EmailTemplateType,
  ImapSettingsType,
  InboundEmailConnection,
  MailboxType,
  OutboundEmailConnection,
} from './email.type';
import { Mailbox } from './mailbox.entity';
import * as mailboxes from './mailbox.service';

registerNode({
  typeName: 'OutboundEmail',
  entity: OutboundEmail,
  load: async (ctx, key) => {
    const row = await ctx.em.findOne(OutboundEmail, key);
    if (!row || ctx.viewer?.kind !== 'agent') return null;
    if (ctx.viewer.agent.isAdmin) return row;
    return row.ticket && (await ticketById(ctx, row.ticket.id)) ? row : null;
  },
});

registerNode({
  typeName: 'Mailbox',
  entity: Mailbox,
  load: async (ctx, key) => (ctx.viewer?.kind === 'agent' && ctx.viewer.agent.isAdmin ? ctx.em.findOne(Mailbox, key) : null),
});

const CreateMailboxPayload = payloadType('CreateMailboxPayload', 'mailbox', MailboxType);
const UpdateMailboxPayload = payloadType('UpdateMailboxPayload', 'mailbox', MailboxType);

type Result = Promise<object>;

@Resolver()
export class MailboxRootResolver {
  @Query(() => [MailboxType], { description: 'Support addresses, by address (administrators).' })
  @Access('admin')
  mailboxes(@Ctx() ctx: Context): Promise<Mailbox[]> {
    return mailboxes.listMailboxes(ctx);
  }

  @Mutation(() => CreateMailboxPayload)
  @Access('admin')
  createMailbox(@Arg('input', () => CreateMailboxInput) input: CreateMailboxInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ mailbox: await mailboxes.createMailbox(ctx, input) }));
  }

  @Mutation(() => UpdateMailboxPayload)
  @Access('admin')
  updateMailbox(@Arg('input', () => UpdateMailboxInput) input: UpdateMailboxInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ mailbox: await mailboxes.updateMailbox(ctx, input) }));
  }

  @Mutation(() => DeletePayload, { description: 'Its received mail stays on the tickets it made.' })
  @Access('admin')
  deleteMailbox(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ deletedId: await mailboxes.deleteMailbox(ctx, input.id) }));
  }
}

@Resolver(() => MailboxType)
export class MailboxFieldsResolver {
  @FieldResolver(() => DepartmentType, { nullable: true, description: "Department of the mailbox's new tickets; null: the default one." })
  async department(@Root() m: Mailbox): Promise<Department | null> {
    return m.department ? ((await m.department.load()) ?? null) : null;
  }

  @FieldResolver(() => HelpTopicType, { nullable: true })
  async helpTopic(@Root() m: Mailbox): Promise<HelpTopic | null> {
    return m.helpTopic ? ((await m.helpTopic.load()) ?? null) : null;
  }

  @FieldResolver(() => PriorityType, { nullable: true })
  async priority(@Root() m: Mailbox): Promise<Priority | null> {
    return m.priority ? ((await m.priority.load()) ?? null) : null;
  }

  @FieldResolver(() => ImapSettingsType, { nullable: true, description: 'Null: not fetched by IMAP.' })
  imap(@Root() m: Mailbox): ImapSettingsType | null {
    if (!m.imapHost) return null;
    return {
      host: m.imapHost,
      port: m.imapPort!,
      tls: m.imapTls!,
      user: m.imapUser!,
      // IMAP settings are never saved without one
      hasPassword: true,
      folder: m.imapFolder ?? 'INBOX',
      archiveFolder: m.imapArchiveFolder,
    };
  }
}

/** The outbox and the thread's delivery details. */
@Resolver()
export class OutboxRootResolver {
  @Query(() => OutboundEmailConnection, {
    description: "Emails DeskQL sends or would send, oldest first. Administrators: all, or one ticket's; other agents: the emails of a ticket they can see (`ticketId` required).",
  })
  @Access('agent')
  async outboundEmails(@Args(() => PageArgs) args: PageArgs, @Arg('ticketId', () => ID, { nullable: true }) ticketId: string | null | undefined, @Ctx() ctx: Context): Promise<ConnectionShape<OutboundEmail>> {
    const access = outboxAccess(await principalOf(ctx), Boolean(ticketId));
    if (access === 'none') throw outboxForbidden();
    if (!ticketId) return keysetPage(ctx.em, OutboundEmail, {}, args);
    const key = decodeIdOf('Ticket', ticketId);
    const ticket = key === null ? null : await ticketById(ctx, key);
    return keysetPage(ctx.em, OutboundEmail, ticket ? { ticket: ticket.id } : { id: -1 }, args);
  }

  @Query(() => InboundEmailConnection, { description: 'Received messages, oldest first, with what each became (administrators).' })
  @Access('admin')
  inboundEmails(
    @Args(() => PageArgs) args: PageArgs,
    @Arg('status', () => InboundEmailStatus, { nullable: true }) status: InboundEmailStatus | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<ConnectionShape<InboundEmail>> {
    return keysetPage(ctx.em, InboundEmail, status ? { status } : {}, args);
  }

  @Query(() => [EmailTemplateType], { description: 'The template of each kind of email: the custom one, or the built-in one (administrators).' })
  @Access('admin')
  emailTemplates(@Ctx() ctx: Context): Promise<EmailTemplateType[]> {
    return templates.listTemplates(ctx);
  }

  @Mutation(() => UpdateEmailTemplatePayload, { description: 'Sets, or with subject and body null resets, the template of one kind.' })
  @Access('admin')
  updateEmailTemplate(@Arg('input', () => UpdateEmailTemplateInput) input: UpdateEmailTemplateInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ emailTemplate: await templates.updateTemplate(ctx, input) }));
  }

  @Mutation(() => UpdateDepartmentEmailSettingsPayload, { description: 'Which emails a department sends (each on by default).' })
  @Access('admin')
  updateDepartmentEmailSettings(@Arg('input', () => UpdateDepartmentEmailSettingsInput) input: UpdateDepartmentEmailSettingsInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ emailSettings: await templates.updateDepartmentSettings(ctx, input) }));
  }
}

const UpdateEmailTemplatePayload = payloadType('UpdateEmailTemplatePayload', 'emailTemplate', EmailTemplateType);
const UpdateDepartmentEmailSettingsPayload = payloadType('UpdateDepartmentEmailSettingsPayload', 'emailSettings', DepartmentEmailSettingsType);

function deliveryLoader(ctx: Context): DataLoader<number, EmailDeliveryType[]> {
  return memo(ctx, deliveryLoader, () =>
    new DataLoader<number, EmailDeliveryType[]>(async (entryIds) => {
      const rows = await ctx.em.find(OutboundEmail, { entry: { $in: [...entryIds] } }, { orderBy: { id: 'asc' } });
      const addresses = [...new Set(rows.flatMap((r) => r.recipients.map((x) => x.address)))];
      const states = addresses.length ? await ctx.em.find(EmailAddressState, { address: { $in: addresses }, isBouncing: true }) : [];
      const bounced = new Map(states.map((s) => [s.address, s.bouncedAt]));
      return entryIds.map((id) => {
        const out: EmailDeliveryType[] = [];
        for (const row of rows.filter((r) => r.entry?.id === id)) {
          const hasBcc = row.recipients.some((r) => r.kind === RecipientKind.BCC);
          for (const r of row.recipients) {
            // a BCC copy repeats the visible recipients in its headers only: each is listed once, from its own message
            if (hasBcc !== (r.kind === RecipientKind.BCC)) continue;
            const at = bounced.get(r.address);
            const state =
              row.status === OutboundEmailStatus.SENT && at && row.sentAt && at >= row.sentAt ? EmailDeliveryState.BOUNCED : (row.status as unknown as EmailDeliveryState);
            out.push({ address: r.address, kind: r.kind, state, lastError: row.status === OutboundEmailStatus.SENT ? null : row.lastError });
          }
        }
        return out;
      });
    }),
  );
}

@Resolver(() => ThreadEntryObject)
export class ThreadEntryEmailResolver {
  @FieldResolver(() => [EmailDeliveryType], { nullable: true, description: 'How this RESPONSE reached each recipient by email (agents only; empty when it sent none).' })
  async emailDelivery(@Root() entry: ThreadEntry, @Ctx() ctx: Context): Promise<EmailDeliveryType[]> {
    if (!readsEmailDetails(await principalOf(ctx))) throw agentsOnly();
    return deliveryLoader(ctx).load(entry.id);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The raw message this entry came from, as received (agents only; null when it did not come by email).' })
  async emailSource(@Root() entry: ThreadEntry, @Ctx() ctx: Context): Promise<string | null> {
    if (!readsEmailDetails(await principalOf(ctx))) throw agentsOnly();
    const rows = await ctx.em.execute<{ raw: Uint8Array }[]>('select raw from inbound_email where entry_id = ? order by id limit 1', [entry.id]);
    return rows[0] ? Buffer.from(rows[0].raw).toString('utf8') : null;
  }
}

registerNode({
  typeName: 'InboundEmail',
  entity: InboundEmail,
  load: async (ctx, key) => (ctx.viewer?.kind === 'agent' && ctx.viewer.agent.isAdmin ? ctx.em.findOne(InboundEmail, key) : null),
});
