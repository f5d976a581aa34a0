import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../config';
import type { Services } from '../../common/context';
import type { Logger } from '../../common/logger';
import { ImapFetcher } from './imap-fetcher';
import { InboundMail } from './inbound.service';
import { outboxSettingsFor } from './outbound.service';
import { EmailSender } from './sender';
import { SmtpReceiver } from './smtp-receiver';

export interface RunningEmail {
  /** Null without DESKQL_SMTP_URL. */
  sender: EmailSender | null;
  inbound: InboundMail;
  /** The built-in SMTP receiver's port; null when it is off. */
  smtpPort: number | null;
  stop(): Promise<void>;
}

/**
 * The email module's parts that run with the server: the outbox's settings
 * (its before-commit work, `writeEmails`, is in the services), and (with DESKQL_SMTP_URL) the sender, woken by each
 * committed batch of events and by a backstop poll.
 */
export async function startEmail(orm: MikroORM, config: Config, log: Logger, services: Services, events: { subscribe(listener: () => void): () => void }): Promise<RunningEmail> {
  outboxSettingsFor(orm, { smtpConfigured: Boolean(config.smtpUrl), mailFrom: config.mailFrom, autoResponseMaxPerHour: config.autoResponseMaxPerHour });
  const sender = config.smtpUrl ? new EmailSender(orm, log, { smtpUrl: config.smtpUrl, pollMs: Math.max(config.eventPollMs, 1000), retryMs: config.smtpRetryMs }) : null;
  const unsubscribe = sender ? events.subscribe(() => sender.wake()) : () => undefined;
  sender?.start();
  const inbound = new InboundMail({ orm, config, log, services });
  // what a stopped process had stored but not yet processed
  void inbound.resume().catch((err: unknown) => log.error({ err }, 'resuming inbound email failed'));
  const receiver = config.smtpListenPort !== undefined ? new SmtpReceiver(orm, inbound, log, { port: config.smtpListenPort, host: config.smtpListenHost, maxBytes: config.maxEmailBytes }) : null;
  const smtpPort = receiver ? await receiver.start() : null;
  const fetcher = new ImapFetcher(orm, inbound, log, config.imapPollMs);
  fetcher.start();
  return {
    sender,
    inbound,
    smtpPort,
    stop: async () => {
      await receiver?.stop();
      await fetcher.stop();
      unsubscribe();
      await sender?.stop();
    },
  };
}
