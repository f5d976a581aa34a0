import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMultiStatement } from '../../src/db/pglite-driver';
import { Attachment } from '../../src/modules/attachments/attachment.entity';
import { CannedResponse } from '../../src/modules/canned/canned-response.entity';
import { TicketListDocument, TicketThreadDocument } from '../__generated__/graphql';
import { createCanned } from '../support/canned';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket } from '../support/tickets';
import { TEXT, uploadOk } from '../support/uploads';

// MikroORM inlines values into its SQL. On the embedded database a value
// holding `;` (as every sanitized `&amp;` does) once sent a single statement
// down the dialect's multi-statement path: inserts lost their new row's id and
// selects came back in the wrong shape. Values with `;` must be ordinary.
describe('isMultiStatement', () => {
  it.each([
    ['select 1', false],
    ['select 1;', false],
    ['select 1 ;  \n ', false],
    ['select 1; -- done', false],
    ['select 1; /* done */', false],
    ["insert into t (a) values ('a; b') returning id", false],
    ["insert into t (a) values ('it''s; fine')", false],
    ["select E'back\\\\slash\\'; still one'", false],
    ['select "odd;name" from t', false],
    ['select "odd"";name" from t', false],
    ['select $$a; b$$', false],
    ['select $tag$ ; $x$ ; $tag$', false],
    ['-- a; b\nselect 1', false],
    ['/* a; /* nested; */ b; */ select 1', false],
    ['select $1, $2 from t', false],
    ['select 1; select 2', true],
    ["insert into t values ('a'); insert into t values ('b')", true],
    ['create table a (x int);\ncreate table b (y int);', true],
    ["select 'x;' ; select 2", true],
    ['select $$;$$; select 2', true],
  ])('%s → %s', (sql, expected) => {
    expect(isMultiStatement(sql)).toBe(expected);
  });
});

describe('values with semicolons through the server', () => {
  let t: TestServer;
  let admin = '';
  beforeAll(async () => {
    t = await startTestServer();
    admin = await t.adminToken();
  });
  afterAll(() => t?.close());

  it('creates rows, links them and finds them again', async () => {
    const canned = await createCanned(t, admin, { title: 'Semi; colon', body: '<p>Tom &amp; Jerry; part 2</p>' });
    expect(canned).toMatchObject({ title: 'Semi; colon', body: '<p>Tom &amp; Jerry; part 2</p>', attachments: [] });
    expect(await t.em().findOne(CannedResponse, { title: 'Semi; colon' })).toMatchObject({ body: '<p>Tom &amp; Jerry; part 2</p>' });

    // a first message with an attachment: the entry's new id is what the attachment is linked to
    const file = await uploadOk(t, admin, TEXT, 'notes; v2.txt');
    const ticket = await newTicket(t, admin, { subject: 'Printer; again & again', body: '<p>A &lt;b&gt; tag; then more</p>', owner: { email: 'semi@customer.test' }, attachmentIds: [file.id] });
    expect(ticket.subject).toBe('Printer; again & again');
    const linked = await t.em().findOneOrFail(Attachment, { filename: 'notes; v2.txt' }, { populate: ['entry'] });
    expect(linked.entry).not.toBeNull();
    const thread = await t.gql(TicketThreadDocument, { number: ticket.number }, { token: admin });
    expect(thread.data!.ticket!.thread.edges.map((e) => e.node.body)).toEqual(['<p>A &lt;b&gt; tag; then more</p>']);

    // a select whose inlined value holds `;` returns its rows as usual
    const found = await t.gql(TicketListDocument, { search: { text: 'Printer; again' } }, { token: admin });
    expect(found.errors).toBeUndefined();
    expect(found.data!.tickets.edges.map((e) => e.node.number)).toEqual([ticket.number]);
  });
});
