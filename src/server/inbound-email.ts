import express, { type ErrorRequestHandler, type Router } from 'express';
import { GraphQLError } from 'graphql';
import { decodeIdOf, toGlobalId } from '../common/global-id';
import { InboundDoor } from '../modules/email/email.entity';
import { InboundMail } from '../modules/email/inbound.service';
import { Mailbox } from '../modules/email/mailbox.entity';
import { buildContext, type ContextDeps } from './context';

function problem(code: string, message: string) {
  return { errors: [{ message, extensions: { code } }] };
}

/**
 * `POST /inbound/email`: a raw message (`Content-Type: message/rfc822`) from
 * an MTA pipe or a mail provider's inbound hook, with an administrator's API
 * key. Answers 202 once the message is stored; it is processed right after.
 * `?mailbox=<address or Mailbox id>` names the mailbox; otherwise the recipients do.
 */
export function inboundEmailRoutes(deps: ContextDeps): Router {
  const router = express.Router();
  const mail = new InboundMail(deps);
  router.post('/', express.raw({ type: () => true, limit: deps.config.maxEmailBytes }), async (req, res, next) => {
    try {
      let ctx: Awaited<ReturnType<typeof buildContext>>;
      try {
        ctx = await buildContext(deps, req.headers.authorization, req.socket.remoteAddress ?? 'unknown');
      } catch (error) {
        // A malformed, unknown or expired key is the client's problem (401), not an internal error.
        if (error instanceof GraphQLError && error.extensions['code'] === 'UNAUTHENTICATED') return void res.status(401).json(problem('UNAUTHENTICATED', error.message));
        throw error;
      }
      if (!ctx.viewer) return void res.status(401).json(problem('UNAUTHENTICATED', 'An administrator API key is required'));
      if (ctx.viewer.kind !== 'agent' || !ctx.viewer.agent.isAdmin || ctx.viewer.via !== 'apiKey') {
        return void res.status(403).json(problem('FORBIDDEN', 'Only an administrator API key may deliver mail'));
      }
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'message/rfc822') return void res.status(415).json(problem('BAD_REQUEST', 'The body must be a raw message (Content-Type: message/rfc822)'));
      const raw = req.body as unknown;
      if (!Buffer.isBuffer(raw) || raw.length === 0) return void res.status(400).json(problem('BAD_REQUEST', 'The message is empty'));
      let mailboxId: number | null = null;
      const named = typeof req.query['mailbox'] === 'string' ? req.query['mailbox'] : null;
      if (named) {
        const key = decodeIdOf('Mailbox', named);
        const box = await ctx.em.findOne(Mailbox, key !== null ? { id: key } : { address: named.trim().toLowerCase() });
        if (!box) return void res.status(404).json(problem('NOT_FOUND', 'Mailbox not found'));
        mailboxId = box.id;
      }
      const stored = await mail.store(raw, { door: InboundDoor.HTTP, mailboxId });
      res.status(202).json({ id: toGlobalId('InboundEmail', stored.id), duplicate: stored.duplicate });
      void mail.process(stored.id).catch((err: unknown) => deps.log.error({ err, inboundEmailId: stored.id }, 'processing an email failed'));
    } catch (error) {
      next(error);
    }
  });
  const tooLarge: ErrorRequestHandler = (error, _req, res, next) => {
    if ((error as { type?: string }).type === 'entity.too.large') res.status(413).json(problem('BAD_REQUEST', `The message is larger than ${deps.config.maxEmailBytes} bytes`));
    else next(error);
  };
  router.use(tooLarge);
  return router;
}
