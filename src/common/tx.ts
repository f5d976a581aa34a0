import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from './context';

/**
 * Runs a command in one transaction on a clear fork of the operation's
 * EntityManager: a refused command leaves no half-changed entity behind for a
 * later mutation in the same document to flush. Relations to entities of the
 * outer EntityManager (the viewer) must be set by reference (`ref(Class, id)`).
 *
 * The fork outlives the transaction: the payload's entities belong to it and
 * their field resolvers load relations through it, so its finished
 * transaction context is dropped and later loads use the pool.
 *
 * Before it commits, the transaction runs the services' `beforeCommit` work in order;
 * once committed, their `afterCommit` work for the operation.
 */
export async function inTransaction<T>(ctx: Pick<Context, 'em' | 'services'>, work: (em: EntityManager) => Promise<T>): Promise<T> {
  let fork: EntityManager | null = null;
  let published = false;
  try {
    const result = await ctx.em.transactional(
      async (em) => {
        fork = em;
        const value = await work(em);
        for (const hook of ctx.services.beforeCommit) if (await hook(em)) published = true;
        return value;
      },
      { clear: true },
    );
    if (published) ctx.services.events?.committed();
    // An operation's context (a worker's has no memo: no payload reads after it).
    if ('memo' in ctx) for (const hook of ctx.services.afterCommit) hook(ctx as Context, fork!);
    return result;
  } finally {
    (fork as EntityManager | null)?.resetTransactionContext();
  }
}
