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
 */
export async function inTransaction<T>(ctx: Context, work: (em: EntityManager) => Promise<T>): Promise<T> {
  let fork: EntityManager | null = null;
  try {
    return await ctx.em.transactional(
      (em) => {
        fork = em;
        return work(em);
      },
      { clear: true },
    );
  } finally {
    (fork as EntityManager | null)?.resetTransactionContext();
  }
}
