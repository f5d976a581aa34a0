import { EventEmitter } from 'node:events';
import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { checkUnique, command } from '../../common/command';
import type { Context } from '../../common/context';
import { ErrorCode, Problems } from '../../common/errors';
import { lookup } from '../../common/lookup';
import { cleanEmail, cleanName } from '../../common/validate';
import { Department } from '../directory/department.entity';
import { HelpTopic } from '../tickets/help-topic.entity';
import { Priority } from '../tickets/priority.entity';
import { CredentialBox } from './credentials';
import type { CreateMailboxInput, ImapSettingsInput, UpdateMailboxInput } from './email.inputs';
import { ImapTls, Mailbox } from './mailbox.entity';

/** Tells this process's IMAP fetcher that mailboxes changed (other processes see it at their next poll). */
export const mailboxChanges = new EventEmitter();
const changed = <T>(value: T): T => {
  mailboxChanges.emit('changed');
  return value;
};

// Mailboxes (admins): one transaction per command; every input problem is reported at once.

type References = Pick<CreateMailboxInput, 'departmentId' | 'helpTopicId' | 'priorityId'>;

async function applyReferences(em: EntityManager, problems: Problems, box: Mailbox, input: References): Promise<void> {
  if (input.departmentId !== undefined) {
    const d = input.departmentId ? await lookup(em, Department, 'Department', input.departmentId, 'departmentId', problems) : null;
    box.department = d ? ref(d) : null;
  }
  if (input.helpTopicId !== undefined) {
    const h = input.helpTopicId ? await lookup(em, HelpTopic, 'HelpTopic', input.helpTopicId, 'helpTopicId', problems) : null;
    box.helpTopic = h ? ref(h) : null;
  }
  if (input.priorityId !== undefined) {
    const p = input.priorityId ? await lookup(em, Priority, 'Priority', input.priorityId, 'priorityId', problems) : null;
    box.priority = p ? ref(p) : null;
  }
}

/** The IMAP settings, checked; null clears them. A new password is sealed; an omitted one keeps the stored one. */
async function applyImap(em: EntityManager, problems: Problems, box: Mailbox, imap: ImapSettingsInput | null): Promise<void> {
  if (imap === null) {
    Object.assign(box, { imapHost: null, imapPort: null, imapTls: null, imapUser: null, imapPasswordSealed: null, imapFolder: null, imapArchiveFolder: null });
    return;
  }
  const host = cleanName(problems, imap.host, 'imap.host', 255);
  const user = cleanName(problems, imap.user, 'imap.user', 255);
  const tls = imap.tls ?? ImapTls.TLS;
  const port = imap.port ?? (tls === ImapTls.TLS ? 993 : 143);
  if (!Number.isInteger(port) || port < 1 || port > 65535) problems.add(ErrorCode.BAD_USER_INPUT, 'imap.port must be between 1 and 65535', 'imap.port');
  const folder = cleanName(problems, imap.folder ?? 'INBOX', 'imap.folder', 255);
  const archive = imap.archiveFolder ? cleanName(problems, imap.archiveFolder, 'imap.archiveFolder', 255) : null;
  if (archive !== null && archive === folder) problems.add(ErrorCode.BAD_USER_INPUT, 'imap.archiveFolder must differ from imap.folder', 'imap.archiveFolder');
  if (imap.password != null) {
    if (imap.password.length === 0 || imap.password.length > 1000) problems.add(ErrorCode.BAD_USER_INPUT, 'imap.password must be 1 to 1000 characters', 'imap.password');
    else box.imapPasswordSealed = (await CredentialBox.load(em)).seal(imap.password);
  } else if (!box.imapHost) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'imap.password is required', 'imap.password');
  }
  Object.assign(box, { imapHost: host, imapPort: port, imapTls: tls, imapUser: user, imapFolder: folder, imapArchiveFolder: archive });
}

export async function createMailbox(ctx: Context, input: CreateMailboxInput): Promise<Mailbox> {
  return changed(await command(ctx, async (em) => {
    const problems = new Problems();
    const address = cleanEmail(problems, input.address, 'address');
    if (!problems.hasAny()) await checkUnique(em, problems, Mailbox, 'address', address);
    const box = new Mailbox();
    box.address = address;
    box.name = input.name ? cleanName(problems, input.name, 'name') : null;
    await applyReferences(em, problems, box, input);
    if (input.imap) await applyImap(em, problems, box, input.imap);
    problems.throwIfAny();
    em.persist(box);
    await em.flush();
    return box;
  }));
}

export async function updateMailbox(ctx: Context, input: UpdateMailboxInput): Promise<Mailbox> {
  return changed(await command(ctx, async (em) => {
    const problems = new Problems();
    const box = await lookup(em, Mailbox, 'Mailbox', input.mailboxId, 'mailboxId', problems);
    problems.throwIfAny();
    if (input.address != null) {
      const address = cleanEmail(problems, input.address, 'address');
      if (!problems.hasAny() && (await checkUnique(em, problems, Mailbox, 'address', address, box!.id))) box!.address = address;
    }
    if (input.name !== undefined) box!.name = input.name ? cleanName(problems, input.name, 'name') : null;
    await applyReferences(em, problems, box!, input);
    if (input.imap !== undefined) await applyImap(em, problems, box!, input.imap);
    problems.throwIfAny();
    await em.flush();
    return box!;
  }));
}

export function deleteMailbox(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const box = await lookup(em, Mailbox, 'Mailbox', id, 'id', problems);
    problems.throwIfAny();
    em.remove(box!);
    await em.flush();
    return id;
  });
}

export function listMailboxes(ctx: Context): Promise<Mailbox[]> {
  return ctx.em.find(Mailbox, {}, { orderBy: { address: 'asc' } });
}
