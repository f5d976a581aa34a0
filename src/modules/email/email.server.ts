import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../config';
import type { Logger } from '../../common/logger';
import { registerBeforeCommit } from '../../common/tx';
import { outboxSettingsFor } from './outbound.service';
import { EmailSender } from './sender';

export interface RunningEmail {
  /** Null without DESKQL_SMTP_URL. */
  sender: EmailSender | null;
  stop(): Promise<void>;
}

/**
 * The email module's parts that run with the server: the outbox hook on every
 * command transaction, and (with DESKQL_SMTP_URL) the sender, woken by each
 * committed batch of events and by a backstop poll.
 */
export function startEmail(orm: MikroORM, config: Config, log: Logger, events: { subscribe(listener: () => void): () => void }): RunningEmail {
  outboxSettingsFor(orm, { smtpConfigured: Boolean(config.smtpUrl), mailFrom: config.mailFrom, autoResponseMaxPerHour: config.autoResponseMaxPerHour }, registerBeforeCommit);
  const sender = config.smtpUrl ? new EmailSender(orm, log, { smtpUrl: config.smtpUrl, pollMs: Math.max(config.eventPollMs, 1000), retryMs: config.smtpRetryMs }) : null;
  const unsubscribe = sender ? events.subscribe(() => sender.wake()) : () => undefined;
  sender?.start();
  return {
    sender,
    stop: async () => {
      unsubscribe();
      await sender?.stop();
    },
  };
}
