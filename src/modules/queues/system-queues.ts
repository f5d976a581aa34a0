import type { Principal } from '../tickets/ticket.policy';
import { P, type TicketPredicate } from '../tickets/ticket-predicate';
import { TicketState } from '../tickets/ticket-state';

/** The system queues of API.md, each counted per agent over the tickets that agent can see. */
export interface SystemQueue {
  key: string;
  name: string;
  parent: string | null;
  predicate(p: Extract<Principal, { kind: 'agent' }>): TicketPredicate;
}

const open = P.stateIn(TicketState.OPEN);
const mine = (p: Extract<Principal, { kind: 'agent' }>) => P.or(P.eq('assigneeId', p.agentId), P.idIn('teamId', p.teamIds));

export const SYSTEM_QUEUES: SystemQueue[] = [
  { key: 'open', name: 'Open', parent: null, predicate: () => open },
  { key: 'open.unanswered', name: 'Unanswered', parent: 'open', predicate: () => P.and(open, { op: 'answered', value: false }) },
  { key: 'open.answered', name: 'Answered', parent: 'open', predicate: () => P.and(open, { op: 'answered', value: true }) },
  { key: 'open.overdue', name: 'Overdue', parent: 'open', predicate: () => ({ op: 'overdue', value: true }) },
  { key: 'mine', name: 'My tickets', parent: null, predicate: (p) => P.and(open, mine(p)) },
  { key: 'mine.agent', name: 'Assigned to me', parent: 'mine', predicate: (p) => P.and(open, P.eq('assigneeId', p.agentId)) },
  { key: 'mine.teams', name: 'Assigned to my teams', parent: 'mine', predicate: (p) => P.and(open, P.idIn('teamId', p.teamIds)) },
  { key: 'unassigned', name: 'Unassigned', parent: null, predicate: () => P.and(open, P.eq('assigneeId', null), P.eq('teamId', null)) },
  { key: 'closed', name: 'Closed', parent: null, predicate: () => P.stateIn(TicketState.CLOSED) },
];

export const SYSTEM_QUEUE_BY_KEY = new Map(SYSTEM_QUEUES.map((q) => [q.key, q]));
