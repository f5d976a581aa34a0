import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The inbound message a command runs for. The email outbox's before-commit
 * hook reads it to record, in the command's own transaction, what the
 * message became (so a message is processed once: a second run finds it
 * done and rolls back), and to hold back the auto-response of a mail that
 * was auto-submitted.
 */
export interface InboundScope {
  inboundId: number;
  autoSubmitted: boolean;
  /** The email's attachments, stored first; bound to the entry the command writes. */
  attachmentIds: number[];
  /** A note recorded with the outcome (attachments that were not accepted). */
  reason: string | null;
  /** True while the command runs: work started from it later (timers inherit the async context) claims nothing. */
  open: boolean;
  /** Set once the command's transaction has claimed the message. */
  claimed?: { ticketId: number; entryId: number | null };
}

export const inboundScope = new AsyncLocalStorage<InboundScope>();

/** Runs a command for an inbound message. */
export async function forInbound<T>(scope: InboundScope, command: () => Promise<T>): Promise<T> {
  scope.open = true;
  try {
    return await inboundScope.run(scope, command);
  } finally {
    scope.open = false;
  }
}

/** Thrown inside a command when its message was processed meanwhile (by another process): the command rolls back. */
export class AlreadyProcessed extends Error {
  constructor() {
    super('the message was processed meanwhile');
    this.name = 'AlreadyProcessed';
  }
}
