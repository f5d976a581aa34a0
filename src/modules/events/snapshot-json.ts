import type { TicketSnapshot } from '../tickets/ticket-predicate';

/** A TicketSnapshot as stored in JSON (dates as ISO strings). */
export type SnapshotJson = Omit<TicketSnapshot, 'dueAt' | 'createdAt' | 'updatedAt'> & {
  dueAt: string | null;
  createdAt: string;
  updatedAt: string;
};

export function toJson(s: TicketSnapshot): SnapshotJson {
  return { ...s, dueAt: s.dueAt?.toISOString() ?? null, createdAt: s.createdAt.toISOString(), updatedAt: s.updatedAt.toISOString() };
}

export function fromJson(j: SnapshotJson): TicketSnapshot {
  return { ...j, dueAt: j.dueAt ? new Date(j.dueAt) : null, createdAt: new Date(j.createdAt), updatedAt: new Date(j.updatedAt) };
}
