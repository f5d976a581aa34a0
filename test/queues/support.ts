import type { EntityManager } from '@mikro-orm/postgresql';
import { expect } from 'vitest';
import { decodeIdOf } from '../../src/common/global-id';
import { Agent } from '../../src/modules/directory/agent.entity';
import { Queue } from '../../src/modules/queues/queue.entity';
import { customView, queueMembership, seesQueue, systemView, type QueueView } from '../../src/modules/queues/queue.service';
import { SYSTEM_QUEUES } from '../../src/modules/queues/system-queues';
import { loadPrincipal, type Principal } from '../../src/modules/tickets/ticket.policy';
import { toSql } from '../../src/modules/tickets/ticket-predicate';
import type { TestServer } from '../support/server';

type AgentPrincipal = Extract<Principal, { kind: 'agent' }>;

const QUEUES = '{ queues { id key name count children { id key name count } } }';

interface QueueNode {
  id: string;
  key: string | null;
  name: string;
  count: number;
  children?: QueueNode[];
}

/** Every queue count the agent reads through HTTP, by queue name (system queues by key). */
export async function countsThroughApi(t: TestServer, token: string): Promise<Record<string, number>> {
  const res = await t.gql<{ queues: QueueNode[] }, unknown>(QUEUES, {}, { token });
  expect(res.errors).toBeUndefined();
  const out: Record<string, number> = {};
  const walk = (qs: QueueNode[]) => {
    for (const q of qs) {
      out[q.key ?? q.name] = q.count;
      walk(q.children ?? []);
    }
  };
  walk(res.data!.queues);
  return out;
}

/**
 * The same queues counted the plain way: `count(*)` of the ticket table
 * under the queue's membership predicate for this agent, the principal and
 * the custom queues read afresh from the database.
 */
export async function countsByCountStar(em: EntityManager, agentGlobalId: string): Promise<Record<string, number>> {
  const agent = await em.findOneOrFail(Agent, decodeIdOf('Agent', agentGlobalId)!);
  const p = (await loadPrincipal(em, { kind: 'agent', agent, tokenId: 0, via: 'session' })) as AgentPrincipal;
  const custom = (await em.find(Queue, {})).filter((q) => seesQueue(p, q));
  const views: QueueView[] = [...SYSTEM_QUEUES.map(systemView), ...custom.map(customView)];
  const out: Record<string, number> = {};
  for (const v of views) {
    const params: unknown[] = [];
    const rows = await em.execute<{ n: number }[]>(`select count(*)::int as n from ticket t where ${toSql(queueMembership(v, p), 't', params)}`, params);
    out[v.key ?? v.name] = rows[0]!.n;
  }
  return out;
}

/** A small seeded generator (mulberry32): the same seed, the same mix. */
export function seeded(seed: number): { next(): number; int(n: number): number; pick<T>(xs: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (xs) => xs[Math.floor(next() * xs.length)]! };
}
