import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGlobalId } from '../../src/common/global-id';
import {
  AddCollaboratorsDocument,
  AddNoteDocument,
  AssignDocument,
  ClaimDocument,
  LockDocument,
  MarkAnsweredDocument,
  PermAddCollaboratorsDocument,
  PermEditThreadEntryDocument,
  PermGatedFieldsDocument,
  PermOpenTicketDocument,
  PermViewerCanDocument,
  PostMessageDocument,
  ReleaseDocument,
  RemoveCollaboratorDocument,
  ReplyDocument,
  SetStatusDocument,
  TransferDocument,
  UnlockDocument,
  UpdateTicketDocument,
} from '../__generated__/graphql';
import { startTestServer, type GraphQLResponse, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// The permission matrix (SPEC §1, §5–7; API.md "Conventions"): every ticket
// mutation and every gated field, for every kind of caller. Allowed where SPEC
// says; otherwise the exact error, and the database unchanged after every
// refusal. Each cell runs on a fresh Support ticket owned by `owner`, with
// `collaborator` active and `former` deactivated.

let t: TestServer;
let w: World;

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
});
afterAll(() => t?.close());

// ---- actors ---------------------------------------------------------------------

type Assignment = 'none' | 'assignedOnly' | 'team';

interface Actor {
  key: string;
  kind: 'agent' | 'endUser' | 'anonymous';
  token: () => string | null;
  /** Global id of the agent (agents only). */
  id: () => string | null;
  name: string | null;
  /** How the cell's ticket is assigned for this actor's row. */
  assignment: Assignment;
}

const agent = (key: string, which: keyof World['agents'], name: string, assignment: Assignment = 'none'): Actor => ({
  key,
  kind: 'agent',
  token: () => w.agents[which].token,
  id: () => w.agents[which].id,
  name,
  assignment,
});
const endUser = (key: string, which: keyof World['users']): Actor => ({ key, kind: 'endUser', token: () => w.users[which].token, id: () => null, name: null, assignment: 'none' });

/** Rows of the matrix, in the column order of MATRIX below. */
const ACTORS: Actor[] = [
  agent('admin', 'admin', 'Administrator'),
  agent('full agent', 'full', 'Fiona Full'),
  agent('reply-only agent', 'replyOnly', 'Rory Reply'),
  agent('other-department agent', 'other', 'Olga Other'),
  agent('assigned-only agent (assigned)', 'assignedOnly', 'Asa Assigned', 'assignedOnly'),
  agent('assigned-only agent (not assigned)', 'assignedOnly', 'Asa Assigned'),
  agent('team member', 'teamMember', 'Tara Team', 'team'),
  endUser('owner', 'owner'),
  endUser('active collaborator', 'collaborator'),
  endUser('deactivated collaborator', 'former'),
  endUser('another end user', 'stranger'),
  { key: 'anonymous', kind: 'anonymous', token: () => null, id: () => null, name: null, assignment: 'none' },
];

// ---- expectations ---------------------------------------------------------------

interface Refusal {
  code: 'NOT_FOUND' | 'FORBIDDEN' | 'LOCKED' | 'CONFLICT';
  /** Defaults: NOT_FOUND takes the mutation's own "not found" message. */
  message?: string | ((f: Fixture) => string);
  /** Defaults: NOT_FOUND names the mutation's reference field, the others name none. */
  field?: string[] | null;
}
type Expect = 'ok' | 'unauthenticated' | Refusal;

const OK = 'ok' as const;
/** A top-level UNAUTHENTICATED error (every ticket mutation needs a login). */
const UNAUTH = 'unauthenticated' as const;
/** Invisible: NOT_FOUND on the reference field, exactly as for an id that does not exist. */
const NF: Refusal = { code: 'NOT_FOUND' };
/** The wrong kind of caller (`@Access('agent')` / `@Access('endUser')`), before any ticket is looked at. */
const GUARD: Refusal = { code: 'FORBIDDEN', message: 'You are not allowed to do this', field: null };
const DENY = (message: string): Refusal => ({ code: 'FORBIDDEN', message, field: null });
const HELD: Refusal = { code: 'LOCKED', message: 'Another agent holds the lock', field: null };
const CLOSE_DENIED: Refusal = { code: 'FORBIDDEN', message: (f) => `You may not move ticket ${f.number} to Closed`, field: ['ticketIds', '0'] };

const MUTATIONS = [
  'replyToTicket',
  'postMessage',
  'addNote',
  'assignTicket',
  'claimTicket',
  'releaseTicket',
  'transferTicket',
  'setTicketStatus',
  'updateTicket',
  'markTicketAnswered',
  'addCollaborators',
  'removeCollaborator',
  'lockTicket',
  'unlockTicket',
  'editThreadEntry',
] as const;
type MutationName = (typeof MUTATIONS)[number];

// prettier-ignore
const MATRIX: Record<MutationName, Expect[]> = {
  //                    admin full reply other AO+  AO-  team  owner  collab former stranger anon
  replyToTicket:      [ OK,   OK,  OK,   NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  postMessage:        [ GUARD,GUARD,GUARD,GUARD,GUARD,GUARD,GUARD,OK, OK,    NF,    NF,      UNAUTH ],
  addNote:            [ OK,   OK,  OK,   NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  assignTicket:       [ OK,   OK,  DENY('Your role may not assign tickets here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  claimTicket:        [ OK,   OK,  DENY('Your role may not claim tickets here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  releaseTicket:      [ OK,   OK,  DENY('Your role may not release tickets here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  transferTicket:     [ OK,   OK,  DENY('Your role may not transfer tickets here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  setTicketStatus:    [ OK,   OK,  CLOSE_DENIED,
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  updateTicket:       [ OK,   OK,  DENY('Your role may not edit tickets here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  markTicketAnswered: [ OK,   OK,  DENY('Your role may not mark tickets answered here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  addCollaborators:   [ OK,   OK,  DENY('Your role may not manage collaborators here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  removeCollaborator: [ OK,   OK,  DENY('Your role may not manage collaborators here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  lockTicket:         [ OK,   OK,  OK,   NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  // the ticket is locked by the full agent: its holder (and an admin) may unlock it, other agents get LOCKED
  unlockTicket:       [ OK,   OK,  HELD, NF,   HELD,NF,  HELD, GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
  editThreadEntry:    [ OK,   OK,  DENY('Your role may not edit thread entries here'),
                                         NF,   OK,  NF,  OK,   GUARD, GUARD, GUARD, GUARD,   UNAUTH ],
};

// ---- fixtures -------------------------------------------------------------------

interface Fixture {
  ticketId: string;
  number: string;
  /** The owner's first MESSAGE. */
  messageId: string;
  /** The active collaborator's Collaborator id. */
  collaboratorId: string;
  /** A fresh email for addCollaborators. */
  newEmail: string;
}

type UserErrors = { field?: string[] | null; message: string; code: string }[];
interface Run {
  res: GraphQLResponse<unknown>;
  payload: { userErrors: UserErrors } | null | undefined;
}

interface MutationDef {
  /** The input field naming the object looked up (NOT_FOUND names it). */
  refField: (f: Fixture) => string[];
  notFoundMessage: string;
  /** Extra setup: the ticket needs an assignment, or a lock held by the full agent. */
  needs?: 'assignment' | 'lockByFull';
  run(f: Fixture, token: string | null): Promise<Run>;
  /** What an allowed call did, read from its payload. */
  applied(payload: never, f: Fixture, actor: Actor): void;
  /** Whether an allowed call changes the database (false: a no-op by design). */
  changes?(actor: Actor): boolean;
}

function def<P>(d: Omit<MutationDef, 'applied'> & { applied(payload: P, f: Fixture, actor: Actor): void }): MutationDef {
  return d;
}

const ticketRef = () => ['ticketId'];
const TICKET_NOT_FOUND = 'Ticket not found';

const DEFS: Record<MutationName, MutationDef> = {
  replyToTicket: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(ReplyDocument, { input: { ticketId: f.ticketId, body: '<p>A response</p>' } }, { token });
      return { res, payload: res.data?.replyToTicket };
    },
    applied: (p: { entry?: { type: string } | null; ticket?: { isAnswered: boolean } | null }) => {
      expect(p.entry?.type).toBe('RESPONSE');
      expect(p.ticket?.isAnswered).toBe(true);
    },
  }),
  postMessage: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(PostMessageDocument, { input: { ticketId: f.ticketId, body: '<p>A message</p>' } }, { token });
      return { res, payload: res.data?.postMessage };
    },
    applied: (p: { entry?: { type: string } | null }) => expect(p.entry?.type).toBe('MESSAGE'),
  }),
  addNote: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(AddNoteDocument, { input: { ticketId: f.ticketId, body: '<p>A note</p>' } }, { token });
      return { res, payload: res.data?.addNote };
    },
    applied: (p: { entry?: { type: string } | null }) => expect(p.entry?.type).toBe('NOTE'),
  }),
  assignTicket: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(AssignDocument, { input: { ticketId: f.ticketId, agentId: w.agents.full.id } }, { token });
      return { res, payload: res.data?.assignTicket };
    },
    applied: (p: { ticket?: { assignee?: { id: string } | null } | null }) => expect(p.ticket?.assignee?.id).toBe(w.agents.full.id),
  }),
  claimTicket: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(ClaimDocument, { input: { ticketId: f.ticketId } }, { token });
      return { res, payload: res.data?.claimTicket };
    },
    applied: (p: { ticket?: { assignee?: { id: string } | null } | null }, _f, actor) => expect(p.ticket?.assignee?.id).toBe(actor.id()),
    // claiming a ticket already assigned to you changes nothing
    changes: (actor) => actor.assignment !== 'assignedOnly',
  }),
  releaseTicket: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    needs: 'assignment',
    run: async (f, token) => {
      const res = await t.gql(ReleaseDocument, { input: { ticketId: f.ticketId } }, { token });
      return { res, payload: res.data?.releaseTicket };
    },
    applied: (p: { ticket?: { assignee?: unknown; team?: unknown } | null }) => expect(p.ticket).toMatchObject({ assignee: null, team: null }),
  }),
  transferTicket: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(TransferDocument, { input: { ticketId: f.ticketId, departmentId: w.salesId } }, { token });
      return { res, payload: res.data?.transferTicket };
    },
    applied: (p: { ticket?: { department: { id: string } } | null }) => expect(p.ticket?.department.id).toBe(w.salesId),
  }),
  setTicketStatus: def({
    refField: () => ['ticketIds', '0'],
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(SetStatusDocument, { input: { ticketIds: [f.ticketId], statusId: w.statuses.Closed! } }, { token });
      return { res, payload: res.data?.setTicketStatus };
    },
    applied: (p: { tickets?: { id: string; state: string; status: { name: string } }[] | null }, f) =>
      expect(p.tickets?.map((x) => [x.id, x.state, x.status.name])).toEqual([[f.ticketId, 'CLOSED', 'Closed']]),
  }),
  updateTicket: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(UpdateTicketDocument, { input: { ticketId: f.ticketId, subject: 'Renamed by the matrix' } }, { token });
      return { res, payload: res.data?.updateTicket };
    },
    applied: (p: { ticket?: { subject: string } | null }) => expect(p.ticket?.subject).toBe('Renamed by the matrix'),
  }),
  markTicketAnswered: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(MarkAnsweredDocument, { input: { ticketId: f.ticketId, answered: true } }, { token });
      return { res, payload: res.data?.markTicketAnswered };
    },
    applied: (p: { ticket?: { isAnswered: boolean } | null }) => expect(p.ticket?.isAnswered).toBe(true),
  }),
  addCollaborators: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(AddCollaboratorsDocument, { input: { ticketId: f.ticketId, people: [{ email: f.newEmail }] } }, { token });
      return { res, payload: res.data?.addCollaborators };
    },
    applied: (p: { ticket?: { collaborators: { role: string; isActive: boolean; user: { email?: string | null } }[] } | null }, f) =>
      expect(p.ticket?.collaborators.find((c) => c.user.email === f.newEmail)).toMatchObject({ role: 'CC', isActive: true }),
  }),
  removeCollaborator: def({
    refField: () => ['collaboratorId'],
    notFoundMessage: 'Collaborator not found',
    run: async (f, token) => {
      const res = await t.gql(RemoveCollaboratorDocument, { input: { collaboratorId: f.collaboratorId } }, { token });
      return { res, payload: res.data?.removeCollaborator };
    },
    applied: (p: { ticket?: { collaborators: { id: string; isActive: boolean }[] } | null }, f) =>
      expect(p.ticket?.collaborators.find((c) => c.id === f.collaboratorId)?.isActive).toBe(false),
  }),
  lockTicket: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    run: async (f, token) => {
      const res = await t.gql(LockDocument, { input: { ticketId: f.ticketId } }, { token });
      return { res, payload: res.data?.lockTicket };
    },
    applied: (p: { lock?: { agent: { name: string } } | null }, _f, actor) => expect(p.lock?.agent.name).toBe(actor.name),
  }),
  unlockTicket: def({
    refField: ticketRef,
    notFoundMessage: TICKET_NOT_FOUND,
    needs: 'lockByFull',
    run: async (f, token) => {
      const res = await t.gql(UnlockDocument, { input: { ticketId: f.ticketId } }, { token });
      return { res, payload: res.data?.unlockTicket };
    },
    applied: (p: { lock?: unknown }) => expect(p.lock).toBeNull(),
  }),
  editThreadEntry: def({
    refField: () => ['entryId'],
    notFoundMessage: 'Thread entry not found',
    run: async (f, token) => {
      const res = await t.gql(PermEditThreadEntryDocument, { input: { entryId: f.messageId, body: '<p>Edited by the matrix</p>' } }, { token });
      return { res, payload: res.data?.editThreadEntry };
    },
    applied: (p: { entry?: { id: string; bodyText: string; editedAt?: string | null } | null }, f) => {
      expect(p.entry).toMatchObject({ id: f.messageId, bodyText: 'Edited by the matrix' });
      expect(p.entry?.editedAt).toBeTruthy();
    },
  }),
};

let serial = 0;

/** A fresh Support ticket owned by `owner`, `collaborator` active and `former` deactivated, assigned as the row wants. */
async function fixture(actor: Actor, needs?: MutationDef['needs'], extra: { assignee?: 'full' } = {}): Promise<Fixture> {
  const n = ++serial;
  const as = { token: w.agents.full.token };
  const ticket = await newTicket(
    t,
    as.token,
    { subject: `Matrix ticket ${n}`, body: '<p>Original message</p>', owner: { email: w.users.owner.email }, departmentId: w.supportId },
    PermOpenTicketDocument,
  );
  const added = await t.gql(
    PermAddCollaboratorsDocument,
    { input: { ticketId: ticket.id, people: [{ email: w.users.collaborator.email }, { email: w.users.former.email }] } },
    as,
  );
  expect(added.data?.addCollaborators.userErrors).toEqual([]);
  const collaborators = added.data!.addCollaborators.ticket!.collaborators;
  const idOf = (userId: string) => collaborators.find((c) => c.user.id === userId)!.id;
  const removed = await t.gql(RemoveCollaboratorDocument, { input: { collaboratorId: idOf(w.users.former.id) } }, as);
  expect(removed.data?.removeCollaborator.userErrors).toEqual([]);

  const assign = async (input: { agentId?: string; teamId?: string }) => {
    const res = await t.gql(AssignDocument, { input: { ticketId: ticket.id, ...input } }, as);
    expect(res.data?.assignTicket.userErrors).toEqual([]);
  };
  if (actor.assignment === 'assignedOnly') await assign({ agentId: w.agents.assignedOnly.id });
  else if (actor.assignment === 'team') await assign({ teamId: w.teamId });
  else if (needs === 'assignment') await assign({ teamId: w.teamId }); // a team the row's agent is not in (except the team member's row)
  else if (extra.assignee === 'full') await assign({ agentId: w.agents.full.id });
  if (needs === 'lockByFull') {
    const lock = await t.gql(LockDocument, { input: { ticketId: ticket.id } }, as);
    expect(lock.data?.lockTicket.userErrors).toEqual([]);
  }
  const message = ticket.thread.edges.find((e) => e.node.type === 'MESSAGE')!.node.id;
  return { ticketId: ticket.id, number: ticket.number, messageId: message, collaboratorId: idOf(w.users.collaborator.id), newEmail: `matrix-${n}@customer.test` };
}

/** What the database holds about a ticket (and the end users, which addCollaborators may create). */
async function fingerprint(number: string): Promise<Record<string, unknown>> {
  const rows = await t.em().execute(
    `select t.version, t.updated_at, t.subject, t.status_id, t.state, t.department_id, t.assignee_id, t.team_id, t.is_answered,
            t.closed_at, t.due_at, t.lock_agent_id, t.lock_expires_at,
            (select count(*)::int from thread_entry e where e.ticket_id = t.id) as entries,
            (select string_agg(e.body, '|' order by e.id) from thread_entry e where e.ticket_id = t.id) as bodies,
            (select count(*)::int from thread_entry_revision r join thread_entry e on e.id = r.entry_id where e.ticket_id = t.id) as revisions,
            (select count(*)::int from ticket_event v where v.ticket_id = t.id) as events,
            (select count(*)::int from collaborator c where c.ticket_id = t.id) as collaborators,
            (select count(*)::int from collaborator c where c.ticket_id = t.id and c.is_active) as active_collaborators,
            (select count(*)::int from end_user) as end_users
       from ticket t where t.number = ?`,
    [number],
  );
  expect(rows).toHaveLength(1);
  return rows[0] as Record<string, unknown>;
}

// ---- the mutation matrix ----------------------------------------------------------

interface Case {
  actor: Actor;
  mutation: MutationName;
  expect: Expect;
}

const CASES: Case[] = MUTATIONS.flatMap((mutation) => {
  const row = MATRIX[mutation];
  if (row.length !== ACTORS.length) throw new Error(`${mutation}: ${row.length} cells for ${ACTORS.length} actors`);
  return ACTORS.map((actor, i) => ({ actor, mutation, expect: row[i]! }));
});

const describeExpect = (e: Expect) => (typeof e === 'string' ? e : e.code);

function expectedErrors(e: Refusal, d: MutationDef, f: Fixture): UserErrors {
  const message = e.message === undefined ? d.notFoundMessage : typeof e.message === 'function' ? e.message(f) : e.message;
  const field = e.field !== undefined ? e.field : e.code === 'NOT_FOUND' ? d.refField(f) : null;
  return [{ field, message, code: e.code }];
}

describe('ticket mutations', () => {
  describe.each(MUTATIONS.map((m) => [m]))('%s', (mutation) => {
    it.each(CASES.filter((c) => c.mutation === mutation).map((c) => [c.actor.key, describeExpect(c.expect), c] as const))('%s → %s', async (_k, _e, c) => {
      const d = DEFS[c.mutation];
      const f = await fixture(c.actor, d.needs);
      const before = await fingerprint(f.number);
      const { res, payload } = await d.run(f, c.actor.token());

      if (c.expect === 'unauthenticated') {
        expect(await fingerprint(f.number)).toEqual(before);
        expect(res.errors?.map((e) => [e.extensions?.code, e.path])).toEqual([['UNAUTHENTICATED', [c.mutation]]]);
        expect(payload ?? null).toBeNull();
        return;
      }
      expect(res.errors).toBeUndefined();
      if (c.expect === 'ok') {
        expect(payload?.userErrors).toEqual([]);
        d.applied(payload as never, f, c.actor);
        const after = await fingerprint(f.number);
        if (d.changes?.(c.actor) ?? true) expect(after).not.toEqual(before);
        else expect(after).toEqual(before);
        return;
      }
      // a refusal changes nothing (checked first, so a wrong message cannot hide a write)
      expect(await fingerprint(f.number)).toEqual(before);
      expect(payload?.userErrors).toEqual(expectedErrors(c.expect, d, f));
      // nothing but userErrors in a refused payload
      for (const [key, value] of Object.entries(payload ?? {})) if (key !== 'userErrors') expect(value, key).toBeNull();
    });
  });
});

// Anchors the NOT_FOUND cells: an invisible ticket (or collaborator, or entry)
// must answer exactly like an id that does not exist (API.md: existence is not leaked).
describe('a missing id answers like an invisible one', () => {
  const MISSING = 2_000_000_000;
  const missing: Fixture = {
    ticketId: toGlobalId('Ticket', MISSING),
    number: '0',
    messageId: toGlobalId('ThreadEntry', MISSING),
    collaboratorId: toGlobalId('Collaborator', MISSING),
    newEmail: 'missing@customer.test',
  };
  it.each(MUTATIONS.map((m) => [m]))('%s', async (mutation) => {
    const d = DEFS[mutation];
    const caller = mutation === 'postMessage' ? w.users.owner.token : w.agents.admin.token;
    const { res, payload } = await d.run(missing, caller);
    expect(res.errors).toBeUndefined();
    expect(payload?.userErrors).toEqual(expectedErrors(NF, d, missing));
  });
});

// ---- gated fields -----------------------------------------------------------------

type Reads = {
  viewerCan: Awaited<ReturnType<typeof readViewerCan>>;
  gated: Awaited<ReturnType<typeof readGated>>;
};
const readViewerCan = (number: string, token: string | null) => t.gql(PermViewerCanDocument, { number }, { token });
const readGated = (number: string, token: string | null) => t.gql(PermGatedFieldsDocument, { number }, { token });

const ALL_AGENT_ABILITIES = {
  reply: true, addNote: true, assign: true, release: true, transfer: true, edit: true, close: true,
  reopen: false, markAnswered: true, manageCollaborators: true, delete: true, merge: true, postMessage: false, editThread: true,
};
const NO_ABILITIES = Object.fromEntries(Object.keys(ALL_AGENT_ABILITIES).map((k) => [k, false])) as Record<keyof typeof ALL_AGENT_ABILITIES, boolean>;

/** How each actor sees the reads ticket: 'agent' (every gated field), 'endUser' (participant: gated fields refused), 'hidden', 'anonymous'. */
const SIGHT: Record<string, { sees: 'agent' | 'endUser' | 'hidden' | 'anonymous'; viewerCan?: Record<string, boolean> }> = {
  admin: { sees: 'agent', viewerCan: ALL_AGENT_ABILITIES },
  'full agent': { sees: 'agent', viewerCan: ALL_AGENT_ABILITIES },
  'reply-only agent': { sees: 'agent', viewerCan: { ...NO_ABILITIES, reply: true, addNote: true } },
  'other-department agent': { sees: 'hidden' },
  'assigned-only agent (assigned)': { sees: 'agent', viewerCan: ALL_AGENT_ABILITIES },
  'assigned-only agent (not assigned)': { sees: 'hidden' },
  // visible only through the team: the primary role (All Access) applies
  'team member': { sees: 'agent', viewerCan: ALL_AGENT_ABILITIES },
  owner: { sees: 'endUser', viewerCan: { ...NO_ABILITIES, postMessage: true } },
  'active collaborator': { sees: 'endUser', viewerCan: { ...NO_ABILITIES, postMessage: true } },
  'deactivated collaborator': { sees: 'hidden' },
  'another end user': { sees: 'hidden' },
  anonymous: { sees: 'anonymous' },
};

const BCC_EMAIL = 'blind-copy@customer.test';

describe('gated fields', () => {
  describe.each(ACTORS.map((a) => [a.key, a] as const))('%s', (_key, actor) => {
    const sight = SIGHT[actor.key]!;
    let f: Fixture;
    let reads: Reads;
    let bccUserId: string;

    beforeAll(async () => {
      // a RESPONSE and a NOTE by the full agent, a BCC collaborator, an agent assignee (unless the row wants another), then a lock
      f = await fixture(actor, undefined, { assignee: 'full' });
      const as = { token: w.agents.full.token };
      const bcc = await t.gql(PermAddCollaboratorsDocument, { input: { ticketId: f.ticketId, people: [{ email: BCC_EMAIL }], role: 'BCC' } }, as);
      expect(bcc.data?.addCollaborators.userErrors).toEqual([]);
      bccUserId = bcc.data!.addCollaborators.ticket!.collaborators.find((c) => c.role === 'BCC')!.user.id;
      expect((await t.gql(ReplyDocument, { input: { ticketId: f.ticketId, body: 'A response' } }, as)).data?.replyToTicket.userErrors).toEqual([]);
      expect((await t.gql(AddNoteDocument, { input: { ticketId: f.ticketId, body: 'Internal: VIP' } }, as)).data?.addNote.userErrors).toEqual([]);
      const viewerCan = await readViewerCan(f.number, actor.token());
      expect((await t.gql(LockDocument, { input: { ticketId: f.ticketId } }, as)).data?.lockTicket.userErrors).toEqual([]);
      reads = { viewerCan, gated: await readGated(f.number, actor.token()) };
    });

    const errorsAt = (path: string) => (reads.gated.errors ?? []).filter((e) => e.path?.join('.') === path).map((e) => e.extensions?.code);

    if (sight.sees === 'anonymous') {
      it('refuses every read with UNAUTHENTICATED', () => {
        expect(reads.gated.data?.ticket ?? null).toBeNull();
        expect(reads.gated.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
        expect(reads.viewerCan.data?.ticket ?? null).toBeNull();
        expect(reads.viewerCan.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      });
      return;
    }
    if (sight.sees === 'hidden') {
      it('does not see the ticket at all (null, no error)', () => {
        expect(reads.gated).toMatchObject({ data: { ticket: null } });
        expect(reads.gated.errors).toBeUndefined();
        expect(reads.viewerCan).toMatchObject({ data: { ticket: null } });
        expect(reads.viewerCan.errors).toBeUndefined();
      });
      return;
    }
    const agentView = sight.sees === 'agent';

    it(`Ticket.events: ${agentView ? 'readable' : 'null with FORBIDDEN'}`, () => {
      const events = reads.gated.data?.ticket?.events;
      if (agentView) {
        expect(events?.totalCount).toBeGreaterThan(0);
        expect(errorsAt('ticket.events')).toEqual([]);
      } else {
        expect(events).toBeNull();
        expect(errorsAt('ticket.events')).toEqual(['FORBIDDEN']);
      }
    });

    it(`Ticket.lock: ${agentView ? 'readable' : 'null with FORBIDDEN'}`, () => {
      const lock = reads.gated.data?.ticket?.lock;
      if (agentView) {
        expect(lock?.agent).toEqual({ name: 'Fiona Full', email: 'fiona@desk.test' });
        expect(errorsAt('ticket.lock')).toEqual([]);
      } else {
        expect(lock).toBeNull();
        expect(errorsAt('ticket.lock')).toEqual(['FORBIDDEN']);
      }
    });

    it(`thread NOTE entries: ${agentView ? 'listed' : 'never listed'}`, () => {
      const ticket = reads.gated.data?.ticket;
      expect(ticket?.thread.edges.map((e) => e.node.type)).toEqual(agentView ? ['MESSAGE', 'RESPONSE', 'NOTE'] : ['MESSAGE', 'RESPONSE']);
      expect(ticket?.notes.totalCount).toBe(agentView ? 1 : 0);
    });

    it(`collaborators: ${agentView ? 'BCC listed' : "no other user's BCC membership"}`, () => {
      const list = reads.gated.data?.ticket?.collaborators ?? [];
      const bcc = list.filter((c) => c.role === 'BCC').map((c) => c.user.id);
      expect(bcc).toEqual(agentView ? [bccUserId] : []);
      expect(list.find((c) => c.user.id === w.users.collaborator.id)).toMatchObject({ role: 'CC', isActive: true });
      expect(errorsAt('ticket.collaborators')).toEqual([]);
    });

    it(`Agent.email: ${agentView ? 'readable' : 'null with FORBIDDEN'}`, () => {
      const ticket = reads.gated.data?.ticket;
      const assignee = { full: 'fiona@desk.test', assignedOnly: 'asa@desk.test', team: null }[actor.assignment === 'none' ? 'full' : actor.assignment];
      const responseAt = ticket?.thread.edges.findIndex((e) => e.node.type === 'RESPONSE') ?? -1;
      const poster = ticket?.thread.edges[responseAt]?.node.poster;
      expect(poster).toMatchObject({ __typename: 'Agent', name: 'Fiona Full' });
      if (agentView) {
        expect(poster).toMatchObject({ email: 'fiona@desk.test' });
        if (assignee) expect(ticket?.assignee?.email).toBe(assignee);
        expect((reads.gated.errors ?? []).filter((e) => e.path?.at(-1) === 'email')).toEqual([]);
      } else {
        expect(poster).toMatchObject({ email: null });
        expect(errorsAt(`ticket.thread.edges.${responseAt}.node.poster.email`)).toEqual(['FORBIDDEN']);
        expect(ticket?.assignee).toEqual({ name: 'Fiona Full', email: null });
        expect(errorsAt('ticket.assignee.email')).toEqual(['FORBIDDEN']);
      }
    });

    it('viewerCan: what SPEC grants this actor', () => {
      expect(reads.viewerCan.errors).toBeUndefined();
      expect(reads.viewerCan.data?.ticket?.viewerCan).toEqual(sight.viewerCan);
    });

    it('no errors beyond the refused fields', () => {
      const expected = agentView
        ? []
        : ['ticket.assignee.email', 'ticket.events', 'ticket.lock', `ticket.thread.edges.1.node.poster.email`].map((p) => [p, 'FORBIDDEN']);
      expect((reads.gated.errors ?? []).map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual(expected);
    });
  });
});
