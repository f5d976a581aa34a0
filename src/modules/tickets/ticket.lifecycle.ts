import { TicketEventKind } from '../events/ticket-event.entity';
import { TicketState } from './ticket-state';

/**
 * Pure lifecycle rules (SPEC §6–7): what a status change means, with no I/O.
 * Services apply the returned changes and write the event.
 */
export interface StatusChange {
  kind: TicketEventKind.CLOSED | TicketEventKind.REOPENED | TicketEventKind.STATUS_CHANGED;
  closedAt?: Date | null;
  reopenedAt?: Date;
  reopenCountDelta: 0 | 1;
  clearAnswered: boolean;
  releaseLock: boolean;
  recomputeDue: boolean;
}

export function statusChange(from: TicketState, to: TicketState, now: Date): StatusChange {
  if (to === TicketState.CLOSED && from !== TicketState.CLOSED) {
    return { kind: TicketEventKind.CLOSED, closedAt: now, reopenCountDelta: 0, clearAnswered: false, releaseLock: true, recomputeDue: false };
  }
  if (to === TicketState.OPEN && from !== TicketState.OPEN) {
    return {
      kind: TicketEventKind.REOPENED,
      closedAt: null,
      reopenedAt: now,
      reopenCountDelta: from === TicketState.CLOSED ? 1 : 0,
      clearAnswered: true,
      releaseLock: false,
      recomputeDue: true,
    };
  }
  return {
    kind: TicketEventKind.STATUS_CHANGED,
    reopenCountDelta: 0,
    clearAnswered: false,
    releaseLock: to !== TicketState.OPEN,
    recomputeDue: false,
  };
}

/** How long a lock lasts once taken or renewed (SPEC §5). */
export const LOCK_MS = 3 * 60_000;

/** Random ticket numbers: six digits while there is room, longer after a few collisions. */
export function randomTicketNumber(attempt: number, random: (max: number) => number): string {
  const digits = attempt < 5 ? 6 : attempt < 10 ? 8 : 10;
  const min = 10 ** (digits - 1);
  return String(min + random(9 * min));
}
