import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import type { Context } from '../../common/context';
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
import { CreateMailboxInput, UpdateMailboxInput } from './email.inputs';
import { ImapSettingsType, MailboxType } from './email.type';
import { Mailbox } from './mailbox.entity';
import * as mailboxes from './mailbox.service';

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
