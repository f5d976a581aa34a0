import type { EntityManager } from '@mikro-orm/core';
import type { ClassType } from 'type-graphql';
import { ErrorCode, type Problems } from './errors';
import { decodeIdOf } from './global-id';
import { refById } from './reference-cache';

/**
 * Resolves a global id from a mutation input to an entity. A malformed id,
 * an id of another type, or an unknown one are all NOT_FOUND on the field.
 */
export async function lookup<T extends object>(
  em: EntityManager,
  entity: ClassType<T>,
  typeName: string,
  id: string,
  field: string,
  problems: Problems,
): Promise<T | null> {
  const key = decodeIdOf(typeName, id);
  const found = key === null ? null : await em.findOne(entity, { id: key } as never);
  if (!found) problems.add(ErrorCode.NOT_FOUND, `${typeName} not found`, field);
  return found;
}

/** `lookup` of reference data (statuses, priorities, departments, help topics): from the reference cache. */
export async function lookupRef<T extends { id: number }>(em: EntityManager, entity: ClassType<T>, typeName: string, id: string, field: string, problems: Problems): Promise<T | null> {
  const key = decodeIdOf(typeName, id);
  const found = key === null ? null : await refById(em, entity, key);
  if (!found) problems.add(ErrorCode.NOT_FOUND, `${typeName} not found`, field);
  return found;
}

/** Like `lookup` for a list of ids; the result keeps only those found. */
export async function lookupMany<T extends { id: number }>(
  em: EntityManager,
  entity: ClassType<T>,
  typeName: string,
  ids: readonly string[],
  field: string,
  problems: Problems,
): Promise<T[]> {
  const keys = ids.map((id) => decodeIdOf(typeName, id));
  const valid = [...new Set(keys.filter((k): k is number => k !== null))];
  const found = valid.length ? await em.find(entity, { id: { $in: valid } } as never) : [];
  const byKey = new Map(found.map((e) => [e.id, e]));
  keys.forEach((k, i) => {
    if (k === null || !byKey.has(k)) problems.add(ErrorCode.NOT_FOUND, `${typeName} not found`, [field, String(i)]);
  });
  return [...byKey.values()];
}
