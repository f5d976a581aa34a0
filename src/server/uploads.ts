import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Busboy } from '@fastify/busboy';
import { Router, type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import type { Context } from '../common/context';
import { decodeIdOf, toGlobalId } from '../common/global-id';
import { checkContent, ContentRefused, loadSniffer } from '../modules/attachments/attachment.content';
import { Attachment } from '../modules/attachments/attachment.entity';
import { contentDisposition, sanitizeFilename } from '../modules/attachments/attachment.filename';
import { visibleAttachment } from '../modules/attachments/attachment.policy';
import { attachmentBytes, storeAttachment } from '../modules/attachments/attachment.service';
import { buildContext, type ContextDeps } from './context';

/** SPEC §5: attachments are size-limited, 25 MB by default. */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

/** Room for the multipart framing around the file when judging a Content-Length up front. */
const MULTIPART_OVERHEAD = 64 * 1024;

export interface AttachmentRouteOptions {
  /** Largest file accepted, in bytes (default 25 MB). */
  maxBytes?: number;
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

const CONTENT_STATUS: Record<ContentRefused['problem'], { status: number; code: string }> = {
  EMPTY: { status: 400, code: 'BAD_REQUEST' },
  ACTIVE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  UNKNOWN: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  MISMATCH: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
};

/**
 * A JSON error in the GraphQL shape the rest of the server uses. When the
 * request body has not been read to its end (an early refusal), the rest is
 * discarded unread and the connection closed after the answer.
 */
function sendProblem(req: IncomingMessage, res: Response, problem: HttpProblem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const unread = !req.complete;
  if (unread) res.setHeader('Connection', 'close');
  res
    .status(problem.status)
    .type('application/json')
    .set('Cache-Control', 'no-store')
    .send(JSON.stringify({ errors: [{ message: problem.message, extensions: { code: problem.code } }] }));
  if (unread) req.resume();
}

/** The viewer's context; a missing, malformed or dead token is a 401. */
async function authenticated(deps: ContextDeps, req: Request): Promise<Context> {
  let ctx: Context;
  try {
    ctx = await buildContext(deps, req.headers.authorization, req.socket.remoteAddress ?? 'unknown');
  } catch (error) {
    if (error instanceof GraphQLError && error.extensions['code'] === 'UNAUTHENTICATED') throw new HttpProblem(401, 'UNAUTHENTICATED', error.message);
    throw error;
  }
  if (!ctx.viewer) throw new HttpProblem(401, 'UNAUTHENTICATED', 'Authentication required: send "Authorization: Bearer <token>"');
  return ctx;
}

interface ReceivedFile {
  bytes: Buffer;
  sha256: string;
  /** As sent in the part's Content-Disposition. */
  filename: string;
  /** The part's Content-Type as sent (RFC 7578's default, text/plain, when absent). */
  mimeType: string;
}

/**
 * Browsers (and undici's FormData) escape CR, LF and `"` in a multipart
 * filename as %0D, %0A and %22 (HTML "multipart/form-data encoding"):
 * undone here so the sanitizer sees, and strips, the characters meant.
 */
function decodeFormFilename(name: string): string {
  return name.replace(/%0d/gi, '\r').replace(/%0a/gi, '\n').replace(/%22/g, '"');
}

/**
 * Streams one multipart file field named `file`: hashed as it arrives, held
 * in memory only up to `maxBytes` (the bytes go to a bytea column, so they
 * end up in one buffer anyway); past that the upload is refused at once.
 */
function receiveFile(req: Request, maxBytes: number): Promise<ReceivedFile> {
  return new Promise((resolve, reject) => {
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: req.headers as Parameters<typeof Busboy>[0]['headers'],
        limits: { files: 1, fileSize: maxBytes, fields: 10, fieldSize: 4096, parts: 11, headerPairs: 20 },
      });
    } catch {
      reject(new HttpProblem(400, 'BAD_REQUEST', 'Send multipart/form-data with one file field named "file"'));
      return;
    }
    let settled = false;
    const fail = (problem: HttpProblem) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      reject(problem);
    };
    let received: ReceivedFile | null = null;
    let pending = false;
    let extraFile = false;

    parser.on('file', (field, stream, filename, _encoding, mimeType) => {
      if (field !== 'file' || pending || received) {
        extraFile = true;
        stream.resume();
        return;
      }
      pending = true;
      const chunks: Buffer[] = [];
      const hash = createHash('sha256');
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        hash.update(chunk);
        chunks.push(chunk);
      });
      stream.on('limit', () => {
        chunks.length = 0;
        fail(new HttpProblem(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${maxBytes} bytes`));
      });
      stream.on('end', () => {
        pending = false;
        if (stream.truncated) return;
        received = { bytes: Buffer.concat(chunks, size), sha256: hash.digest('hex'), filename: filename ?? '', mimeType };
      });
    });
    parser.on('filesLimit', () => {
      extraFile = true;
    });
    parser.on('error', () => fail(new HttpProblem(400, 'BAD_REQUEST', 'The multipart body is malformed')));
    parser.on('finish', () => {
      if (settled) return;
      if (extraFile) fail(new HttpProblem(400, 'BAD_REQUEST', 'Send exactly one file, in a field named "file"'));
      else if (!received) fail(new HttpProblem(400, 'BAD_REQUEST', 'No file: send one file in a field named "file"'));
      else {
        settled = true;
        resolve(received);
      }
    });
    req.on('aborted', () => fail(new HttpProblem(400, 'BAD_REQUEST', 'The upload was aborted')));
    req.on('error', () => fail(new HttpProblem(400, 'BAD_REQUEST', 'The upload failed')));
    req.pipe(parser);
  });
}

const NOT_FOUND = new HttpProblem(404, 'NOT_FOUND', 'Attachment not found');

/**
 * `POST /attachments` (multipart upload) and `GET /attachments/:id`
 * (download), authenticated with the GraphQL endpoint's Bearer token. A
 * download may instead carry a signed link's `expires` and `signature`
 * (Attachment.downloadUrl), which GraphQL hands only to viewers who may see
 * the file.
 *
 * CSRF: both need an `Authorization` header, which a cross-site form or link
 * cannot send and a cross-site script can only send after a CORS preflight
 * this server never approves; there is no ambient credential (no cookie).
 */
export function attachmentRoutes(deps: ContextDeps, options: AttachmentRouteOptions = {}): Router {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
  const router = Router();
  // Warm the ESM content sniffer; a failure here shows up again (and is logged) on the first upload.
  loadSniffer().catch(() => undefined);

  router.post('/', async (req, res, next) => {
    try {
      const ctx = await authenticated(deps, req);
      const type = (req.headers['content-type'] ?? '').toLowerCase();
      if (!type.startsWith('multipart/form-data')) throw new HttpProblem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data with one file field named "file"');
      const length = Number(req.headers['content-length']);
      if (Number.isFinite(length) && length > maxBytes + MULTIPART_OVERHEAD) {
        throw new HttpProblem(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${maxBytes} bytes`);
      }
      const file = await receiveFile(req, maxBytes);
      const filename = sanitizeFilename(decodeFormFilename(file.filename));
      let contentType: string;
      try {
        contentType = await checkContent(file.bytes, filename, file.mimeType);
      } catch (error) {
        if (!(error instanceof ContentRefused)) throw error;
        const { status, code } = CONTENT_STATUS[error.problem];
        throw new HttpProblem(status, code, error.message);
      }
      const stored = await storeAttachment(ctx, { filename, contentType, bytes: file.bytes, sha256: file.sha256 });
      res
        .status(201)
        .set('Cache-Control', 'no-store')
        .json({ id: toGlobalId('Attachment', stored.id), filename: stored.filename, contentType: stored.contentType, size: stored.size });
    } catch (error) {
      if (error instanceof HttpProblem) sendProblem(req, res, error);
      else next(error);
    }
  });

  router.get('/:id', async (req, res, next) => {
    try {
      const signed = req.headers.authorization === undefined && req.query.signature !== undefined;
      const ctx = signed ? await buildContext(deps, undefined, req.socket.remoteAddress ?? 'unknown') : await authenticated(deps, req);
      const key = decodeIdOf('Attachment', req.params.id);
      let attachment: Attachment | null;
      let expires = 0;
      if (signed) {
        // A signed link (Attachment.downloadUrl): signed only for a viewer who could see the file.
        const check = deps.services.urlSigner?.check(req.params.id, req.query.expires, req.query.signature) ?? 'invalid';
        if (check !== 'valid') throw new HttpProblem(403, 'FORBIDDEN', check === 'expired' ? 'The link has expired: fetch Attachment.downloadUrl again' : 'The link is not valid');
        expires = Number(req.query.expires);
        attachment = key === null ? null : await ctx.em.findOne(Attachment, key);
      } else {
        attachment = key === null ? null : await visibleAttachment(ctx, key);
      }
      if (!attachment) throw NOT_FOUND;
      const bytes = await attachmentBytes(ctx, attachment);
      const type = attachment.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : attachment.contentType;
      res.status(200).set({
        'Content-Type': type,
        'Content-Length': String(bytes.length),
        'Content-Disposition': contentDisposition(attachment.filename),
        'X-Content-Type-Options': 'nosniff',
        // A signed link is the same for everyone holding it until it expires: a private cache may keep it that long;
        // and a front end on another origin may embed it (an <img> of a thread body).
        'Cache-Control': signed ? `private, max-age=${Math.max(0, Math.floor(expires - Date.now() / 1000))}` : 'private, no-store',
        'Content-Security-Policy': "default-src 'none'; sandbox",
        'Cross-Origin-Resource-Policy': signed ? 'cross-origin' : 'same-origin',
        'Referrer-Policy': 'no-referrer',
      });
      res.end(bytes);
    } catch (error) {
      if (error instanceof HttpProblem) sendProblem(req, res, error);
      else next(error);
    }
  });

  return router;
}
