import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EditEntryDocument, EntryHistoryDocument, ReplyDocument, TicketEventsDocument } from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// thread.edit: every edit keeps the previous body (SPEC §5).
let t: TestServer;
let w: World;
beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
});
afterAll(() => t?.close());

describe('editing thread entries', () => {
  it('keeps every previous body, sanitizes the new one, and logs an EDITED event', async () => {
    const ticket = await newTicket(t, w.agents.full.token, { subject: 'Typo', owner: { email: w.users.owner.email } });
    const reply = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: '<p>Teh fix</p>' } }, { token: w.agents.full.token });
    const entryId = reply.data!.replyToTicket.entry!.id;

    const first = await t.gql(EditEntryDocument, { input: { entryId, body: '<p>The fix<script>x()</script></p>' } }, { token: w.agents.full.token });
    expect(first.data?.editThreadEntry.userErrors).toEqual([]);
    const second = await t.gql(EditEntryDocument, { input: { entryId, body: '<p>The fix, tested</p>' } }, { token: w.agents.admin.token });
    const entry = second.data!.editThreadEntry.entry!;
    expect(entry.body).toBe('<p>The fix, tested</p>');
    expect(entry.editedAt).toBeTruthy();
    expect(entry.editedBy?.name).toBe('Administrator');
    expect(entry.revisions?.map((r) => r.body)).toEqual(['<p>Teh fix</p>', '<p>The fix</p>']);

    // end users read the entry but not its history
    const asOwner = await t.gql(EntryHistoryDocument, { number: ticket.number }, { token: w.users.owner.token });
    expect(asOwner.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    const events = await t.gql(TicketEventsDocument, { number: ticket.number }, { token: w.agents.full.token });
    expect(events.data?.ticket?.events?.edges.filter((e) => e.node.kind === 'EDITED')).toHaveLength(2);
  });

  it('refuses an empty body and a role without thread.edit, changing nothing', async () => {
    const ticket = await newTicket(t, w.agents.full.token, { subject: 'Keep', owner: { email: w.users.owner.email } });
    const reply = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'Original' } }, { token: w.agents.full.token });
    const entryId = reply.data!.replyToTicket.entry!.id;
    const empty = await t.gql(EditEntryDocument, { input: { entryId, body: '<p></p>' } }, { token: w.agents.full.token });
    expect(empty.data?.editThreadEntry.userErrors).toEqual([{ field: ['body'], code: 'BAD_USER_INPUT', message: 'body must not be empty' }]);
    const denied = await t.gql(EditEntryDocument, { input: { entryId, body: 'Hijacked' } }, { token: w.agents.replyOnly.token });
    expect(denied.data?.editThreadEntry.userErrors).toEqual([{ field: null, code: 'FORBIDDEN', message: 'Your role may not edit thread entries here' }]);
    const history = await t.gql(EntryHistoryDocument, { number: ticket.number }, { token: w.agents.full.token });
    const node = history.data!.ticket!.thread.edges.find((e) => e.node.id === entryId)!.node;
    expect(node).toMatchObject({ body: 'Original', editedAt: null, revisions: [] });
  });
});
