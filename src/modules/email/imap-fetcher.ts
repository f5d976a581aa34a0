import type { MikroORM } from '@mikro-orm/postgresql';
import { ImapFlow } from 'imapflow';
import type { Logger } from '../../common/logger';
import { CredentialBox } from './credentials';
import { InboundDoor, InboundEmailStatus } from './email.entity';
import type { InboundMail } from './inbound.service';
import { ImapTls, Mailbox } from './mailbox.entity';
import { mailboxChanges } from './mailbox.service';

/** A processed message still in the fetched folder this long after processing was left by a stopped process. */
const ORPHAN_MS = 60_000;

interface Watch {
  client: ImapFlow | null;
  busy: Promise<void> | null;
  again: boolean;
}

/**
 * Fetches the mailboxes that have IMAP settings: IDLE where the server offers
 * it (a new message is fetched as it arrives), and a poll every
 * DESKQL_IMAP_POLL_S seconds in any case. Each message is stored (deduplicated
 * by mailbox UID and Message-ID), processed, then moved to the archive folder
 * (or flagged seen when there is none). Several processes may fetch one
 * mailbox: the store and the processing claim make each message count once.
 */
export class ImapFetcher {
  private readonly watches = new Map<number, Watch>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly inbound: InboundMail,
    private readonly log: Logger,
    private readonly pollMs: number,
  ) {}

  private readonly onChange = (): void => void this.pollAll();

  start(): void {
    mailboxChanges.on('changed', this.onChange);
    const tick = () => {
      if (this.stopped) return;
      void this.pollAll().finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(tick, this.pollMs);
        this.timer.unref();
      });
    };
    tick();
  }

  private async pollAll(): Promise<void> {
    if (this.stopped) return;
    try {
      const em = this.orm.em.fork();
      // marked, so statement counts of foreground operations can leave this background poll out
      const ids = await em.execute<{ id: number }[]>('select id from mailbox where imap_host is not null /* imap poll */');
      if (ids.length === 0) return;
      const boxes = await em.find(Mailbox, { id: { $in: ids.map((r) => r.id) } }, { populate: ['imapPasswordSealed'] });
      await Promise.all(boxes.map((box) => this.fetch(box)));
    } catch (err) {
      this.log.warn({ err }, 'IMAP polling failed');
    }
  }

  /** One fetch of a mailbox at a time; a fetch asked for meanwhile runs right after. */
  private fetch(box: Mailbox): Promise<void> {
    let w = this.watches.get(box.id);
    if (!w) {
      w = { client: null, busy: null, again: false };
      this.watches.set(box.id, w);
    }
    const watch = w;
    if (watch.busy) {
      watch.again = true;
      return watch.busy;
    }
    watch.busy = this.fetchOnce(box, watch)
      .catch(async (err: unknown) => {
        this.log.warn({ err, mailbox: box.address }, 'fetching a mailbox failed');
        const c = watch.client;
        watch.client = null;
        await c?.logout().catch(() => undefined);
      })
      .finally(() => {
        watch.busy = null;
        if (watch.again && !this.stopped) {
          watch.again = false;
          void this.fetch(box);
        }
      });
    return watch.busy;
  }

  private async connect(box: Mailbox, watch: Watch): Promise<ImapFlow> {
    if (watch.client?.usable) return watch.client;
    const pass = (await CredentialBox.load(this.orm.em.fork())).open(box.imapPasswordSealed!);
    const client = new ImapFlow({
      host: box.imapHost!,
      port: box.imapPort!,
      secure: box.imapTls === ImapTls.TLS,
      doSTARTTLS: box.imapTls === ImapTls.STARTTLS ? true : box.imapTls === ImapTls.NONE ? false : undefined,
      auth: { user: box.imapUser!, pass },
      logger: false,
      // without IDLE on the server, imapflow keeps the connection alive with NOOPs; our poll still runs
      missingIdleCommand: 'NOOP',
    });
    client.on('error', (err: Error) => this.log.warn({ err, mailbox: box.address }, 'IMAP connection error'));
    await client.connect();
    await client.mailboxOpen(box.imapFolder ?? 'INBOX');
    // IDLE: the server tells us about new mail as it arrives
    client.on('exists', () => void this.fetch(box));
    client.on('close', () => {
      if (watch.client === client) watch.client = null;
    });
    watch.client = client;
    return client;
  }

  private async fetchOnce(box: Mailbox, watch: Watch): Promise<void> {
    if (this.stopped) return;
    const client = await this.connect(box, watch);
    const lock = await client.getMailboxLock(box.imapFolder ?? 'INBOX');
    try {
      const uidValidity = String(client.mailbox ? client.mailbox.uidValidity : 0);
      const uids = (await client.search(box.imapArchiveFolder ? { all: true } : { seen: false }, { uid: true })) || [];
      if (box.imapArchiveFolder && uids.length) await client.mailboxCreate(box.imapArchiveFolder).catch(() => undefined);
      for (const uid of uids) {
        if (this.stopped) return;
        const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
        if (!message || !message.source) continue;
        const { id, duplicate } = await this.inbound.store(message.source, { door: InboundDoor.IMAP, mailboxId: box.id, imap: { uidValidity, uid } });
        const status = await this.inbound.process(id);
        if (status === InboundEmailStatus.RECEIVED) continue; // another process is on it; it will be moved next time
        // The process that stored it moves it (two MOVEs at once would leave two copies in the archive);
        // another one only when that process has evidently stopped before moving it.
        if (duplicate && !(await this.inbound.processedBefore(id, new Date(Date.now() - ORPHAN_MS)))) continue;
        // processed (here or by another process): out of the fetched folder
        if (box.imapArchiveFolder) await client.messageMove(String(uid), box.imapArchiveFolder, { uid: true }).catch(() => undefined);
        else await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true }).catch(() => undefined);
      }
    } finally {
      lock.release();
    }
    // IDLE now rather than after imapflow's own quiet period (15 s): new mail is announced at once
    if (!this.stopped && client.usable && client.capabilities.has('IDLE')) void client.idle().catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    mailboxChanges.off('changed', this.onChange);
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.watches.values()].map((w) => w.busy));
    await Promise.all([...this.watches.values()].map((w) => w.client?.logout().catch(() => undefined)));
  }
}
