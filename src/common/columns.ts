import { type EntityClass, type EntityManager, ReferenceKind } from '@mikro-orm/core';

const COLUMNS = new Map<string, string[]>();

/**
 * The columns `em.find` reads for an entity (its own columns and foreign
 * keys; lazy ones such as password hashes left out), for reads that send
 * plain SQL and map the rows with `em.map` instead of building a query.
 */
export function entityColumns(em: EntityManager, entity: EntityClass<unknown>): readonly string[] {
  let columns = COLUMNS.get(entity.name);
  if (columns === undefined) {
    columns = em
      .getMetadata()
      .get(entity.name)
      .props.filter((p) => p.persist !== false && !p.lazy && (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE || (p.kind === ReferenceKind.ONE_TO_ONE && p.owner)))
      .flatMap((p) => p.fieldNames);
    COLUMNS.set(entity.name, columns);
  }
  return columns;
}

/** `"alias"."col" as "prefixcol", …` for a join whose columns are told apart by a prefix (`rowPart` takes them back). */
export function prefixedColumns(em: EntityManager, entity: EntityClass<unknown>, alias: string, prefix: string): string {
  return entityColumns(em, entity)
    .map((c) => `"${alias}"."${c}" as "${prefix}${c}"`)
    .join(', ');
}

/** The columns of `row` that carry `prefix`, without it; null when the joined row is absent (its id is null). */
export function rowPart(row: Record<string, unknown>, prefix: string): Record<string, unknown> | null {
  if (row[`${prefix}id`] === null || row[`${prefix}id`] === undefined) return null;
  const part: Record<string, unknown> = {};
  for (const key of Object.keys(row)) if (key.startsWith(prefix)) part[key.slice(prefix.length)] = row[key];
  return part;
}
