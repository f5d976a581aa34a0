import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Attachment, AttachmentContent } from '../../src/modules/attachments/attachment.entity';
import { UrlSigner } from '../../src/modules/attachments/signed-url';
import { deleteUnusedUploads } from '../../src/modules/attachments/upload-sweeper';
import { ThreadEntry } from '../../src/modules/threads/thread-entry.entity';
import { createServices } from '../../src/server/app';
import { attachmentRoutes } from '../../src/server/uploads';
import { AddNoteDocument, PostMessageDocument, ReplyDocument } from '../__generated__/graphql';
import { countRows, rowChanges } from '../support/rows';
import { startTestServer, type TestServer } from '../support/server';
import { newTicket, openTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// SPEC §5 attachments, end to end: upload over HTTP, bind through GraphQL, download over HTTP.
let t: TestServer;
let w: World;
let base = '';

beforeAll(async () => {
  t = await startTestServer();
  w = await buildWorld(t);
  base = t.url.replace(/\/graphql$/, '');
});
afterAll(() => t?.close());

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const TEXT = Buffer.from('line one\nligne deux: déjà vu\n');

interface Uploaded {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}
interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

async function upload(token: string | null, bytes: Buffer, filename: string, type = 'application/octet-stream', url = `${base}/attachments`): Promise<Reply> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename);
  const res = await fetch(url, { method: 'POST', body: form, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function uploadOk(token: string, bytes: Buffer, filename: string, type?: string): Promise<Uploaded> {
  const res = await upload(token, bytes, filename, type);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as Uploaded;
}

async function download(token: string | null, id: string): Promise<Reply<Buffer> & { json: unknown }> {
  const res = await fetch(`${base}/attachments/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = Buffer.from(await res.arrayBuffer());
  const json = res.headers.get('content-type')?.startsWith('application/json') ? (JSON.parse(body.toString('utf8')) as unknown) : null;
  return { status: res.status, body, headers: res.headers, json };
}

/** A multipart body written by hand, for what FormData will not send. */
function rawMultipart(parts: { disposition: string; type?: string; bytes: Buffer }[]): { body: Buffer; contentType: string } {
  const boundary = 'deskql-test-boundary';
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${p.disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`), p.bytes, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function post(token: string | null, body: Buffer | ReadableStream<Uint8Array>, contentType: string, url = `${base}/attachments`): Promise<Reply> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

const problem = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });
const NOT_FOUND = problem('Attachment not found', 'NOT_FOUND');
const ACTIVE = problem('HTML, SVG, XML, scripts and executables are not accepted', 'UNSUPPORTED_MEDIA_TYPE');

const counts = () => countRows(t, { attachments: Attachment, contents: AttachmentContent, entries: ThreadEntry });


const THREAD = `query($number: String!) { ticket(number: $number) { thread { edges { node { type attachments { id filename contentType size url } } } } } }`;
async function threadAttachments(token: string, number: string) {
  const res = await t.gql<{ ticket: { thread: { edges: { node: { type: string; attachments: Uploaded[] } }[] } } | null }, unknown>(THREAD, { number }, { token });
  expect(res.errors).toBeUndefined();
  return res.data!.ticket!.thread.edges.map((e) => [e.node.type, e.node.attachments]);
}

const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on Attachment { filename contentType size url } } }`;
const nodeOf = async (token: string, id: string) => (await t.gql<{ node: Record<string, unknown> | null }, unknown>(NODE, { id }, { token })).data?.node ?? null;

describe('upload, bind, download', () => {
  it('binds a reply attachment and serves it to those who see the ticket, with safe headers', async () => {
    const ticket = await newTicket(t, w.users.owner.token, { subject: 'Screenshot attached' });
    const up = await uploadOk(w.agents.full.token, PNG, 'screen shot.png', 'image/png');
    expect(up).toEqual({ id: expect.any(String), filename: 'screen shot.png', contentType: 'image/png', size: PNG.length });

    // unbound: its uploader alone
    expect((await download(w.agents.full.token, up.id)).status).toBe(200);
    expect((await download(w.agents.replyOnly.token, up.id)).json).toEqual(NOT_FOUND);
    expect((await download(w.users.owner.token, up.id)).json).toEqual(NOT_FOUND);
    expect(await nodeOf(w.agents.replyOnly.token, up.id)).toBeNull();

    const reply = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'See the screenshot', attachmentIds: [up.id] } }, { token: w.agents.full.token });
    expect(reply.data?.replyToTicket.userErrors).toEqual([]);
    const listed = { id: up.id, filename: 'screen shot.png', contentType: 'image/png', size: PNG.length, url: `/attachments/${up.id}` };
    expect(await threadAttachments(w.users.owner.token, ticket.number)).toEqual([
      ['MESSAGE', []],
      ['RESPONSE', [listed]],
    ]);

    const got = await download(w.users.owner.token, up.id);
    expect(got.status).toBe(200);
    expect(got.body.equals(PNG)).toBe(true);
    expect(Object.fromEntries([...got.headers].filter(([k]) => k !== 'date' && k !== 'connection' && k !== 'keep-alive'))).toEqual({
      'content-type': 'image/png',
      'content-length': String(PNG.length),
      'content-disposition': `attachment; filename="screen shot.png"; filename*=UTF-8''screen%20shot.png`,
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
      'content-security-policy': "default-src 'none'; sandbox",
      'cross-origin-resource-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    });
    expect((await download(w.agents.replyOnly.token, up.id)).status).toBe(200);
    expect(await nodeOf(w.users.owner.token, up.id)).toEqual({ __typename: 'Attachment', id: up.id, filename: 'screen shot.png', contentType: 'image/png', size: PNG.length, url: `/attachments/${up.id}` });

    // not to a stranger, nor to an agent of another department: 404, never 403
    expect((await download(w.users.stranger.token, up.id)).json).toEqual(NOT_FOUND);
    const other = await download(w.agents.other.token, up.id);
    expect([other.status, other.json]).toEqual([404, NOT_FOUND]);
    expect(await nodeOf(w.users.stranger.token, up.id)).toBeNull();
    expect(await nodeOf(w.agents.other.token, up.id)).toBeNull();
  });

  it('binds a message attachment from the owner, text served as UTF-8 plain text', async () => {
    const ticket = await newTicket(t, w.users.owner.token, { subject: 'Logs attached' });
    const up = await uploadOk(w.users.owner.token, TEXT, 'server.log', 'text/plain');
    expect(up.contentType).toBe('text/plain');
    const msg = await t.gql(PostMessageDocument, { input: { ticketId: ticket.id, body: 'Here are the logs', attachmentIds: [up.id] } }, { token: w.users.owner.token });
    expect(msg.data?.postMessage.userErrors).toEqual([]);
    expect(await threadAttachments(w.agents.full.token, ticket.number)).toEqual([
      ['MESSAGE', []],
      ['MESSAGE', [{ id: up.id, filename: 'server.log', contentType: 'text/plain', size: TEXT.length, url: `/attachments/${up.id}` }]],
    ]);
    const got = await download(w.agents.full.token, up.id);
    expect([got.status, got.headers.get('content-type'), got.body.toString('utf8')]).toEqual([200, 'text/plain; charset=utf-8', TEXT.toString('utf8')]);
    expect((await download(w.users.stranger.token, up.id)).status).toBe(404);
  });

  it('keeps a note attachment from the owner', async () => {
    const ticket = await newTicket(t, w.users.owner.token, { subject: 'Internal analysis' });
    const up = await uploadOk(w.agents.full.token, PDF, 'analysis.pdf', 'application/pdf');
    expect(up.contentType).toBe('application/pdf');
    const note = await t.gql(AddNoteDocument, { input: { ticketId: ticket.id, body: 'Internal: see PDF', attachmentIds: [up.id] } }, { token: w.agents.full.token });
    expect(note.data?.addNote.userErrors).toEqual([]);
    expect(await threadAttachments(w.agents.replyOnly.token, ticket.number)).toEqual([
      ['MESSAGE', []],
      ['NOTE', [{ id: up.id, filename: 'analysis.pdf', contentType: 'application/pdf', size: PDF.length, url: `/attachments/${up.id}` }]],
    ]);
    expect((await download(w.agents.replyOnly.token, up.id)).status).toBe(200);
    expect((await download(w.users.owner.token, up.id)).json).toEqual(NOT_FOUND);
    expect(await nodeOf(w.users.owner.token, up.id)).toBeNull();
    expect((await download(w.agents.other.token, up.id)).json).toEqual(NOT_FOUND);
  });

  it('lets an anonymous ticket-access token upload and attach to its ticket', async () => {
    const opened = await openTicket(t, null, { subject: 'Anon with file', owner: { email: 'anon-file@customer.test' } });
    const token = opened.accessToken!;
    const up = await uploadOk(token, PNG, 'photo.png');
    const msg = await t.gql(PostMessageDocument, { input: { ticketId: opened.ticket!.id, body: 'photo', attachmentIds: [up.id] } }, { token });
    expect(msg.data?.postMessage.userErrors).toEqual([]);
    expect((await download(token, up.id)).status).toBe(200);
    expect((await download(w.agents.full.token, up.id)).status).toBe(200);
  });

  it('answers 401 without credentials and 404 for ids that are not attachments', async () => {
    const up = await uploadOk(w.agents.full.token, PNG, 'a.png');
    const before = await counts();
    const anon = await upload(null, PNG, 'a.png');
    expect([anon.status, anon.body]).toEqual([401, problem('Authentication required: send "Authorization: Bearer <token>"', 'UNAUTHENTICATED')]);
    const bad = await upload('dqs_not-a-token', PNG, 'a.png');
    expect([bad.status, bad.body]).toEqual([401, problem('The token is invalid, expired or revoked', 'UNAUTHENTICATED')]);
    expect(await counts()).toEqual(before);
    expect((await download(null, up.id)).status).toBe(401);
    // another type's id, garbage, and a key that does not exist: all the same 404
    for (const id of [w.users.owner.id, 'nope', Buffer.from('Attachment:999999').toString('base64url')]) {
      const res = await download(w.agents.admin.token, id);
      expect([res.status, res.json]).toEqual([404, NOT_FOUND]);
    }
  });
});

describe('refused uploads store nothing', () => {
  async function refused(res: Promise<Reply>, status: number, body: unknown) {
    const before = await counts();
    const r = await res;
    expect([r.status, r.body]).toEqual([status, body]);
    expect(await counts()).toEqual(before);
  }

  it('refuses a file whose name or declared type does not match its bytes', async () => {
    const mismatch = (m: string) => problem(m, 'UNSUPPORTED_MEDIA_TYPE');
    await refused(upload(w.agents.full.token, PNG, 'report.pdf', 'application/pdf'), 415, mismatch("The file name's extension (.pdf) does not match its content (png: .png)"));
    await refused(upload(w.agents.full.token, PNG, 'report.png', 'application/pdf'), 415, mismatch("The declared type (application/pdf) does not match the file's content (png)"));
    await refused(upload(w.agents.full.token, PNG, 'no-extension'), 415, mismatch('The file name must end in an extension matching its content (png: .png)'));
    await refused(upload(w.agents.full.token, PDF, 'notes.txt'), 415, mismatch("The file name's extension (.txt) does not match its content (pdf: .pdf)"));
    await refused(
      upload(w.agents.full.token, TEXT, 'readme.md'),
      415,
      mismatch("The file name's extension (.md) does not match its content (text: .txt, .log, .csv)"),
    );
  });

  it('refuses active content outright, whatever it is called', async () => {
    const html = Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
    const xmlSvg = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x90)]);
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64)]);
    await refused(upload(w.agents.full.token, html, 'photo.png', 'image/png'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, html, 'page.html', 'text/html'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, html, 'notes.txt', 'text/plain'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, svg, 'image.png', 'image/png'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, svg, 'image.svg', 'image/svg+xml'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, xmlSvg, 'image.png'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, Buffer.from('  \n<p>hello</p>'), 'notes.txt'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, Buffer.from('#!/bin/sh\nrm -rf /\n'), 'run.txt'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, Buffer.from('alert(1)'), 'notes.txt', 'text/javascript'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, exe, 'setup.pdf'), 415, ACTIVE);
    await refused(upload(w.agents.full.token, elf, 'tool.txt'), 415, ACTIVE);
  });

  it('refuses bytes it cannot vouch for, empty files and malformed requests', async () => {
    await refused(upload(w.agents.full.token, Buffer.from([0x13, 0x37, 0xc0, 0xde, 0x80, 0x81, 0x00, 0x07]), 'data.txt'), 415, problem('The file type could not be recognized', 'UNSUPPORTED_MEDIA_TYPE'));
    await refused(upload(w.agents.full.token, Buffer.alloc(0), 'empty.txt'), 400, problem('The file is empty', 'BAD_REQUEST'));
    await refused(post(w.agents.full.token, Buffer.from('{}'), 'application/json'), 415, problem('Send multipart/form-data with one file field named "file"', 'UNSUPPORTED_MEDIA_TYPE'));
    const wrongField = rawMultipart([{ disposition: 'form-data; name="upload"; filename="a.png"', type: 'image/png', bytes: PNG }]);
    await refused(post(w.agents.full.token, wrongField.body, wrongField.contentType), 400, problem('Send exactly one file, in a field named "file"', 'BAD_REQUEST'));
    const two = rawMultipart([
      { disposition: 'form-data; name="file"; filename="a.png"', type: 'image/png', bytes: PNG },
      { disposition: 'form-data; name="file"; filename="b.png"', type: 'image/png', bytes: PNG },
    ]);
    await refused(post(w.agents.full.token, two.body, two.contentType), 400, problem('Send exactly one file, in a field named "file"', 'BAD_REQUEST'));
    const none = rawMultipart([{ disposition: 'form-data; name="note"', bytes: Buffer.from('hi') }]);
    await refused(post(w.agents.full.token, none.body, none.contentType), 400, problem('No file: send one file in a field named "file"', 'BAD_REQUEST'));
    // a filename* that decodes to a line break: the parser drops the part rather than deliver it
    const crlf = rawMultipart([{ disposition: `form-data; name="file"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd%0D%0AX%3A%20y.txt`, type: 'text/plain', bytes: TEXT }]);
    await refused(post(w.agents.full.token, crlf.body, crlf.contentType), 400, problem('No file: send one file in a field named "file"', 'BAD_REQUEST'));
  });

  it('refuses an upload over the default 25 MB limit: at once when Content-Length says so, else once the stream passes it', async () => {
    const tooLarge = problem(`The file is larger than the limit of ${25 * 1024 * 1024} bytes`, 'PAYLOAD_TOO_LARGE');
    const big = Buffer.alloc(25 * 1024 * 1024 + 1, 0x61);
    await refused(upload(w.agents.full.token, big, 'big.txt'), 413, tooLarge);
    await refused(upload(w.agents.full.token, Buffer.alloc(26 * 1024 * 1024, 0x61), 'bigger.txt'), 413, tooLarge);
  });
});

describe('a smaller limit passed to the routes', () => {
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    const app = express();
    app.use('/attachments', attachmentRoutes({ orm: t.server.db.orm, config: t.config, log: t.server.log, services: createServices(t.config) }, { maxBytes: 1024 }));
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/attachments`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const tooLarge = problem('The file is larger than the limit of 1024 bytes', 'PAYLOAD_TOO_LARGE');

  it('accepts a file of exactly the limit', async () => {
    const res = await upload(w.agents.full.token, Buffer.alloc(1024, 0x62), 'exact.txt', 'text/plain', url);
    expect([res.status, (res.body as Uploaded).size]).toEqual([201, 1024]);
  });

  it('refuses a chunked stream without Content-Length once it passes the limit, storing nothing', async () => {
    const before = await counts();
    const { body, contentType } = rawMultipart([{ disposition: 'form-data; name="file"; filename="stream.txt"', type: 'text/plain', bytes: Buffer.alloc(200_000, 0x63) }]);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= body.length) return controller.close();
        controller.enqueue(new Uint8Array(body.subarray(sent, sent + 4096)));
        sent += 4096;
      },
    });
    const res = await post(w.agents.full.token, stream, contentType, url);
    expect([res.status, res.body]).toEqual([413, tooLarge]);
    expect(await counts()).toEqual(before);
  });

  it('refuses by Content-Length before reading the body', async () => {
    const before = await counts();
    const res = await upload(w.agents.full.token, Buffer.alloc(100_000, 0x63), 'big.txt', 'text/plain', url);
    expect([res.status, res.body]).toEqual([413, tooLarge]);
    expect(await counts()).toEqual(before);
  });
});

describe('filenames', () => {
  it('strips path parts, line breaks, quotes and control characters, and encodes the name for download', async () => {
    const a = await uploadOk(w.agents.full.token, TEXT, '../../etc/passwd\r\nX: y.txt');
    expect(a.filename).toBe('passwdX_ y.txt');
    const b = await uploadOk(w.agents.full.token, TEXT, '..\\..\\Windows\\Résumé "final"\u202Etxt.exe\u0007.txt');
    expect(b.filename).toBe('Résumé finaltxt.exe.txt');
    const got = await download(w.agents.full.token, b.id);
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="R_sum_ finaltxt.exe.txt"; filename*=UTF-8''R%C3%A9sum%C3%A9%20finaltxt.exe.txt`);
    const long = await uploadOk(w.agents.full.token, TEXT, `${'x'.repeat(400)}.csv`);
    expect(long.filename).toBe(`${'x'.repeat(251)}.csv`);
    const dots = await uploadOk(w.agents.full.token, TEXT, '...hidden.txt');
    expect(dots.filename).toBe('hidden.txt');
  });
});

describe('binding rules', () => {
  it('refuses another person’s, another ticket’s and an already used attachment, writing nothing', async () => {
    const ticket = await newTicket(t, w.users.owner.token, { subject: 'Binding rules' });
    const otherTicket = await newTicket(t, w.users.owner.token, { subject: 'Another ticket' });
    const notFound = { ticket: null, entry: null, userErrors: [{ field: ['attachmentIds', '0'], code: 'NOT_FOUND', message: 'Attachment not found' }] };
    const reply = (attachmentIds: string[], ticketId = ticket.id) =>
      t.gql(ReplyDocument, { input: { ticketId, body: 'With a file', attachmentIds } }, { token: w.agents.full.token });

    // uploaded by someone else (and still unbound)
    const theirs = await uploadOk(w.agents.replyOnly.token, PNG, 'theirs.png');
    let before = await counts();
    expect((await reply([theirs.id])).data?.replyToTicket).toEqual(notFound);
    expect(await counts()).toEqual(before);

    // already bound to an entry of another ticket
    const mine = await uploadOk(w.agents.full.token, PNG, 'mine.png');
    expect((await reply([mine.id], otherTicket.id)).data?.replyToTicket.userErrors).toEqual([]);
    before = await counts();
    expect((await reply([mine.id])).data?.replyToTicket).toEqual(notFound);
    // and the same ticket again
    expect((await reply([mine.id], otherTicket.id)).data?.replyToTicket).toEqual(notFound);
    expect(await counts()).toEqual(before);
    expect(await threadAttachments(w.agents.full.token, ticket.number)).toEqual([['MESSAGE', []]]);
    expect((await threadAttachments(w.agents.full.token, otherTicket.number)).map(([, a]) => (a as Uploaded[]).map((x) => x.id))).toEqual([[], [mine.id]]);

    // the same id twice in one entry: the second is refused, and so nothing is written
    const fresh = await uploadOk(w.agents.full.token, PNG, 'fresh.png');
    before = await counts();
    const twice = await reply([fresh.id, fresh.id]);
    expect(twice.data?.replyToTicket.userErrors).toEqual([{ field: ['attachmentIds', '1'], code: 'NOT_FOUND', message: 'Attachment not found' }]);
    expect(await counts()).toEqual(before);
    const row = await t.em().findOneOrFail(Attachment, { filename: 'fresh.png' });
    expect(row.entry).toBeNull();
  });
});

describe('uploads never attached', () => {
  it('are deleted with their content once older than the TTL; attached and fresh ones stay', async () => {
    const ticket = await newTicket(t, w.users.owner.token, { subject: 'Sweeping' });
    const stale = await uploadOk(w.agents.full.token, PNG, 'forgotten.png');
    const used = await uploadOk(w.agents.full.token, PDF, 'used.pdf');
    const fresh = await uploadOk(w.agents.full.token, TEXT, 'fresh.txt');
    expect((await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'Attached', attachmentIds: [used.id] } }, { token: w.agents.full.token })).data?.replyToTicket.userErrors).toEqual([]);
    // two of them uploaded two days ago
    const twoDaysAgo = new Date(Date.now() - 48 * 3_600_000);
    await t.em().nativeUpdate(Attachment, { filename: { $in: ['forgotten.png', 'used.pdf'] } }, { createdAt: twoDaysAgo });
    const before = await counts();

    expect(await deleteUnusedUploads(t.em(), new Date(Date.now() - 24 * 3_600_000))).toBe(1);
    expect(rowChanges(before, await counts())).toEqual({ attachments: -1, contents: -1 });
    expect((await download(w.agents.full.token, stale.id)).json).toEqual(NOT_FOUND);
    expect((await download(w.agents.full.token, used.id)).status).toBe(200);
    // a reply naming the deleted upload is refused, and writes nothing
    const late = await t.gql(ReplyDocument, { input: { ticketId: ticket.id, body: 'Late', attachmentIds: [stale.id, fresh.id] } }, { token: w.agents.full.token });
    expect(late.data?.replyToTicket.userErrors).toEqual([{ field: ['attachmentIds', '0'], code: 'NOT_FOUND', message: 'Attachment not found' }]);
    expect(rowChanges(before, await counts())).toEqual({ attachments: -1, contents: -1 });
    // a second sweep finds nothing more
    expect(await deleteUnusedUploads(t.em(), new Date(Date.now() - 24 * 3_600_000))).toBe(0);
  });
});

describe('signed links', () => {
  const ENTRY = `query($id: ID!, $signed: Boolean!) { node(id: $id) { ... on ThreadEntry {
    body(signedImages: $signed)
    attachments { id url downloadUrl downloadUrlExpiresAt }
  } } }`;
  type Entry = { body: string; attachments: { id: string; url: string; downloadUrl: string | null; downloadUrlExpiresAt: string | null }[] };
  const entryOf = async (token: string, id: string, signed: boolean) =>
    (await t.gql<{ node: Entry | null }, unknown>(ENTRY, { id, signed }, { token })).data?.node ?? null;
  const fetchPlain = (path: string) => fetch(`${base}${path}`);

  it("load a body's images and an attachment without the Authorization header, only where signed", async () => {
    const ticket = await newTicket(t, w.users.owner.token, { subject: 'Signed links' });
    const elsewhere = await newTicket(t, w.users.collaborator.token, { subject: 'Someone else' });
    const theirs = await uploadOk(w.users.collaborator.token, PNG, 'theirs.png');
    expect((await t.gql(PostMessageDocument, { input: { ticketId: elsewhere.id, body: 'mine', attachmentIds: [theirs.id] } }, { token: w.users.collaborator.token })).data?.postMessage.userErrors).toEqual([]);

    const photo = await uploadOk(w.users.owner.token, PNG, 'photo.png');
    // the body shows its own photo, and names another ticket's image it has no right to
    const body = `<p>Look:</p><img src="/attachments/${photo.id}" alt="photo"><img src="/attachments/${theirs.id}" alt="not mine">`;
    const posted = await t.gql(PostMessageDocument, { input: { ticketId: ticket.id, body, attachmentIds: [photo.id] } }, { token: w.users.owner.token });
    expect(posted.data?.postMessage.userErrors).toEqual([]);
    const entryId = posted.data!.postMessage.entry!.id;

    // by default the body is as stored
    const plain = (await entryOf(w.users.owner.token, entryId, false))!;
    expect(plain.body).toBe(`<p>Look:</p><img src="/attachments/${photo.id}" alt="photo" /><img src="/attachments/${theirs.id}" alt="not mine" />`);
    // signed: its own image points at a signed link, the other one stays as it was
    const signed = (await entryOf(w.users.owner.token, entryId, true))!;
    const link = signed.attachments[0]!.downloadUrl!;
    expect(link).toMatch(new RegExp(`^/attachments/${photo.id}\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));
    expect(signed.body).toBe(`<p>Look:</p><img src="${link.replace('&', '&amp;')}" alt="photo" /><img src="/attachments/${theirs.id}" alt="not mine" />`);
    expect(signed.attachments[0]!.url).toBe(`/attachments/${photo.id}`);
    // valid for an hour at least, at most an hour and a quarter
    const expiresAt = Date.parse(signed.attachments[0]!.downloadUrlExpiresAt!);
    expect(expiresAt).toBeGreaterThanOrEqual(Date.now() + 3_600_000 - 5_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 4_500_000);
    expect(link).toContain(`expires=${expiresAt / 1000}&`);

    // a browser fetches it as it is: no Authorization header, embeddable from another origin
    const got = await fetchPlain(link);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(PNG)).toBe(true);
    expect(got.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(got.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    // a link never leaks onward through the Referer header
    expect(got.headers.get('referrer-policy')).toBe('no-referrer');

    // the same signature on another attachment, a changed expiry or a garbled signature: refused
    const forbidden = { errors: [{ message: 'The link is not valid', extensions: { code: 'FORBIDDEN' } }] };
    const [, query] = link.split('?');
    for (const bad of [`/attachments/${theirs.id}?${query}`, link.replace(/expires=(\d+)/, (_, e: string) => `expires=${Number(e) + 900}`), link.slice(0, -1) + (link.endsWith('A') ? 'B' : 'A'), `/attachments/${photo.id}?expires=1&signature=x`]) {
      const res = await fetchPlain(bad);
      expect([res.status, await res.json()], bad).toEqual([403, forbidden]);
    }
    // an expired one says so (signed with the server's key, which it keeps in its database)
    const signer = await UrlSigner.load(t.em());
    const past = Math.floor(Date.now() / 1000) - 60;
    const expired = await fetchPlain(signer.path(photo.id, past));
    expect([expired.status, await expired.json()]).toEqual([403, { errors: [{ message: 'The link has expired: fetch Attachment.downloadUrl again', extensions: { code: 'FORBIDDEN' } }] }]);
    // the key is the server's: loading it again signs alike
    expect(signer.path(photo.id, signer.expiry())).toBe(link);
    // no signature and no Authorization header: 401 as before
    expect((await fetchPlain(`/attachments/${photo.id}`)).status).toBe(401);
    // and whoever cannot see the entry gets no link at all
    expect(await entryOf(w.users.stranger.token, entryId, true)).toBeNull();
  });
});
