import { topLevelError } from '../../common/errors';

// The email module's refusals, in one place.

export const outboxForbidden = () => topLevelError('FORBIDDEN', 'Only administrators read the whole outbox; agents pass the ticketId of a ticket they can see');
export const agentsOnly = () => topLevelError('FORBIDDEN', 'Only agents may read this field');

/** Why an inbound message was not processed, as stored on it. */
export const InboundReason = {
  MALFORMED: 'The message could not be parsed as MIME',
  NO_SENDER: 'The message has no usable From address',
  AUTO_REPLY: 'An automatic reply (not answered, no ticket)',
  BOUNCE: 'A delivery status notification (bounce)',
  CLOSED_FOR_GOOD: 'The ticket is archived or deleted; the sender got a notice',
} as const;
