import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from './context';
import { ErrorCode, fail, type Problems } from './errors';
import { inTransaction } from './tx';

/**
 * Runs an admin command in one transaction, then has open WebSockets'
 * access re-checked; a unique-key or foreign-key race
 * (checked first, lost to a concurrent writer) becomes CONFLICT instead of a 500.
 */
export async function command<T>(ctx: Context, work: (em: EntityManager) => Promise<T>): Promise<T> {
  try {
    const result = await inTransaction(ctx, work);
    // An admin command may deactivate someone or change their access: open WebSockets are re-checked.
    ctx.services.sockets?.accessChanged();
    return result;
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      fail(ErrorCode.CONFLICT, 'An object with the same unique value was created at the same time; try again');
    }
    if (error instanceof ForeignKeyConstraintViolationException) {
      fail(ErrorCode.CONFLICT, 'The object is still in use');
    }
    throw error;
  }
}

/**
 * Adds a BAD_USER_INPUT problem on `field` when another row already has
 * `value` there; true when the value is free. The count never flushes: an
 * entity already carrying the taken value would otherwise hit the unique
 * index first (a CONFLICT instead of this problem). Assign a value only once
 * it is known to be free, as a later query may flush it.
 */
export async function checkUnique<T extends object>(
  em: EntityManager,
  problems: Problems,
  entity: new (...args: never[]) => T,
  field: string,
  value: string,
  exceptId?: number,
): Promise<boolean> {
  const where = { [field]: value, ...(exceptId ? { id: { $ne: exceptId } } : {}) };
  if ((await em.count(entity, where, { flushMode: 'commit' })) > 0) {
    problems.add(ErrorCode.BAD_USER_INPUT, `${field} is already taken`, field);
    return false;
  }
  return true;
}
