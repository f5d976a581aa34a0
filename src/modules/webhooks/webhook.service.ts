import { randomBytes } from 'node:crypto';
import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError } from 'graphql';
import { command } from '../../common/command';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { decodeIdOf } from '../../common/global-id';
import { lookup } from '../../common/lookup';
import { cleanName } from '../../common/validate';
import { Agent } from '../directory/agent.entity';
import { CredentialBox } from '../email/credentials';
import { subscribedQueues } from '../events/queue-updates';
import { decodeStreamCursor } from '../events/stream-cursor';
import { checkTarget, parseWebhookUrl, systemResolve } from './webhook.address';
import { checkWebhookDocument, type CheckedWebhookDocument } from './webhook.document';
import { Webhook, WebhookDelivery, WebhookDeliveryStatus, WebhookStream } from './webhook.entity';
import type { CreateWebhookInput, RedeliverWebhookDeliveryInput, ReplayWebhookInput, RotateWebhookSecretInput, UpdateWebhookInput } from './webhook.inputs';
import { actingContext, WEBHOOK_SECRET_BOX } from './webhook.worker';

// Webhooks (administrators): one transaction per command, every input problem
// reported at once. The URL's address is checked before the transaction (it
// may resolve a name); the document as the acting agent would subscribe with it.

const MAX_GRACE_SECONDS = 30 * 24 * 3600;

/** A new signing secret in Standard Webhooks' form: `whsec_` and base64 of 24 random bytes. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

async function checkUrl(ctx: Context, problems: Problems, url: string): Promise<void> {
  if (url.length > 2000) return problems.add(ErrorCode.BAD_USER_INPUT, 'url must be at most 2000 characters', 'url');
  const parsed = parseWebhookUrl(url);
  if (!parsed.ok) return problems.add(ErrorCode.BAD_USER_INPUT, parsed.reason, 'url');
  const checked = await checkTarget(url, ctx.config.webhookAllowPrivate, ctx.services.webhooks?.resolve ?? systemResolve);
  if (!checked.ok) problems.add(ErrorCode.BAD_USER_INPUT, checked.reason, 'url');
}

/**
 * The document checked as graphql-ws would check it, then — for `queueUpdates`
 * — its queues resolved as the acting agent (a queue they cannot see is refused
 * now rather than silently delivering nothing).
 */
async function checkDocument(
  ctx: Context,
  em: EntityManager,
  problems: Problems,
  document: string,
  variables: Record<string, unknown> | null,
  agent: Agent | null,
): Promise<CheckedWebhookDocument | null> {
  const runner = ctx.services.subscriptions;
  if (!runner) throw new Error('webhooks need the server’s live documents');
  const checked = checkWebhookDocument(runner, problems, document, variables);
  if (!checked || !agent || checked.stream !== WebhookStream.QUEUE_UPDATES) return checked;
  try {
    await subscribedQueues(actingContext(em, ctx.config, ctx.log, ctx.services, agent), (checked.prepared.args['queueIds'] as string[] | null | undefined) ?? null);
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    problems.add(ErrorCode.BAD_USER_INPUT, `As the acting agent: ${error.message}`, 'variables');
    return null;
  }
  return checked;
}

async function actingAgent(em: EntityManager, problems: Problems, id: string): Promise<Agent | null> {
  const agent = await lookup(em, Agent, 'Agent', id, 'actAsAgentId', problems);
  if (agent && !agent.isActive) problems.add(ErrorCode.BAD_USER_INPUT, 'The acting agent is deactivated', 'actAsAgentId');
  return agent?.isActive ? agent : null;
}

function validVariables(problems: Problems, variables: unknown): Record<string, unknown> | null {
  if (variables === null || variables === undefined) return null;
  if (typeof variables !== 'object' || Array.isArray(variables)) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'variables must be an object', 'variables');
    return null;
  }
  if (JSON.stringify(variables).length > 20_000) problems.add(ErrorCode.BAD_USER_INPUT, 'variables must be at most 20000 characters of JSON', 'variables');
  return variables as Record<string, unknown>;
}

const maxSeq = async (em: EntityManager) => String((await em.execute<{ max: string | null }[]>('select max(seq) as max from ticket_event'))[0]?.max ?? 0);

const told = <T>(ctx: Context, value: T): T => {
  ctx.services.webhooks?.changed();
  return value;
};

export async function createWebhook(ctx: Context, input: CreateWebhookInput): Promise<{ webhook: Webhook; secret: string }> {
  const problems = new Problems();
  await checkUrl(ctx, problems, input.url);
  return told(
    ctx,
    await command(ctx, async (em) => {
      const name = cleanName(problems, input.name, 'name');
      const variables = validVariables(problems, input.variables);
      const agent = await actingAgent(em, problems, input.actAsAgentId);
      const checked = await checkDocument(ctx, em, problems, input.document, variables, agent);
      problems.throwIfAny();
      const secret = newSecret();
      const hook = em.create(Webhook, {
        name,
        url: input.url,
        document: input.document,
        variables,
        stream: checked!.stream,
        actAsAgent: ref(agent!),
        isActive: input.isActive ?? true,
        secretSealed: (await CredentialBox.load(em, WEBHOOK_SECRET_BOX)).seal(secret),
        // It streams what is committed from now on (replayWebhook sends the past).
        position: await maxSeq(em),
      });
      await em.flush();
      return { webhook: hook, secret };
    }),
  );
}

export async function updateWebhook(ctx: Context, input: UpdateWebhookInput): Promise<Webhook> {
  const problems = new Problems();
  if (input.url != null) await checkUrl(ctx, problems, input.url);
  return told(
    ctx,
    await command(ctx, async (em) => {
      const hook = await lookup(em, Webhook, 'Webhook', input.webhookId, 'webhookId', problems);
      if (!hook) problems.throwIfAny();
      const h = hook!;
      if (input.name != null) h.name = cleanName(problems, input.name, 'name');
      if (input.url != null) h.url = input.url;
      if (input.document != null || input.variables !== undefined || input.actAsAgentId != null) {
        // The document is checked again as the agent it will run as (the queues it names must be theirs).
        const agent = input.actAsAgentId != null ? await actingAgent(em, problems, input.actAsAgentId) : await h.actAsAgent.load();
        const variables = input.variables !== undefined ? validVariables(problems, input.variables) : h.variables;
        const document = input.document ?? h.document;
        const checked = await checkDocument(ctx, em, problems, document, variables, agent);
        if (checked) {
          if (checked.stream !== h.stream) h.counts = null;
          Object.assign(h, { document, variables, stream: checked.stream });
        }
        if (agent) h.actAsAgent = ref(agent);
      }
      if (input.isActive === true && (!h.isActive || h.disabledReason !== null)) {
        // On again: from where it stopped, the failed delivery first, with a fresh failure count.
        Object.assign(h, { isActive: true, disabledReason: null, consecutiveFailures: 0, failingSince: null });
        await em.nativeUpdate(WebhookDelivery, { webhook: h.id, status: WebhookDeliveryStatus.FAILED }, { status: WebhookDeliveryStatus.PENDING, nextAttemptAt: new Date() });
      } else if (input.isActive === false) {
        Object.assign(h, { isActive: false, disabledReason: null, leaseOwner: null, leaseUntil: null });
      }
      problems.throwIfAny();
      await em.flush();
      return h;
    }),
  );
}

export function deleteWebhook(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const hook = await lookup(em, Webhook, 'Webhook', id, 'id', problems);
    problems.throwIfAny();
    em.remove(hook!);
    await em.flush();
    return id;
  });
}

export function rotateWebhookSecret(ctx: Context, input: RotateWebhookSecretInput): Promise<{ webhook: Webhook; secret: string }> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const grace = input.gracePeriodSeconds ?? 86_400;
    if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) problems.add(ErrorCode.BAD_USER_INPUT, `gracePeriodSeconds must be between 0 and ${MAX_GRACE_SECONDS}`, 'gracePeriodSeconds');
    const hook = await lookup(em, Webhook, 'Webhook', input.webhookId, 'webhookId', problems);
    problems.throwIfAny();
    const h = hook!;
    await em.populate(h, ['secretSealed']);
    const box = await CredentialBox.load(em, WEBHOOK_SECRET_BOX);
    const secret = newSecret();
    Object.assign(h, {
      previousSecretSealed: grace > 0 ? h.secretSealed : null,
      previousSecretExpiresAt: grace > 0 ? new Date(Date.now() + grace * 1000) : null,
      secretSealed: box.seal(secret),
    });
    await em.flush();
    return { webhook: h, secret };
  });
}

export async function redeliverWebhookDelivery(ctx: Context, input: RedeliverWebhookDeliveryInput): Promise<WebhookDelivery> {
  return told(
    ctx,
    await command(ctx, async (em) => {
      const problems = new Problems();
      const delivery = await lookupDelivery(em, input.deliveryId, problems);
      problems.throwIfAny();
      // The same message again, under the same id: receivers that kept it deduplicate.
      Object.assign(delivery!, { status: WebhookDeliveryStatus.PENDING, nextAttemptAt: new Date() });
      await em.flush();
      return delivery!;
    }),
  );
}

export async function replayWebhook(ctx: Context, input: ReplayWebhookInput): Promise<Webhook> {
  return told(
    ctx,
    await command(ctx, async (em) => {
      const problems = new Problems();
      let after = 0;
      if (input.after != null) {
        try {
          after = decodeStreamCursor(input.after);
        } catch {
          problems.add(ErrorCode.BAD_USER_INPUT, 'after is not a cursor of the event stream', 'after');
        }
      }
      const hook = await lookup(em, Webhook, 'Webhook', input.webhookId, 'webhookId', problems);
      problems.throwIfAny();
      if (after > Number(await maxSeq(em))) fail(ErrorCode.BAD_USER_INPUT, 'after is past the end of the event stream', 'after');
      // Deliveries not yet made good after the cursor would be sent twice: they are made again from the events.
      await em.execute(`delete from webhook_delivery where webhook_id = ? and seq > ? and status <> 'DELIVERED'`, [hook!.id, after], 'run');
      Object.assign(hook!, { position: String(after), counts: null });
      await em.flush();
      return hook!;
    }),
  );
}

export async function lookupDelivery(em: EntityManager, id: string, problems: Problems): Promise<WebhookDelivery | null> {
  const key = decodeIdOf('WebhookDelivery', id);
  const found = key === null ? null : await em.findOne(WebhookDelivery, { id: String(key) });
  if (!found) problems.add(ErrorCode.NOT_FOUND, 'WebhookDelivery not found', 'deliveryId');
  return found;
}

export function listWebhooks(ctx: Context): Promise<Webhook[]> {
  return ctx.em.find(Webhook, {}, { orderBy: { id: 'asc' } });
}
