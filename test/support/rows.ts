import type { EntityName } from '@mikro-orm/core';
import type { TestServer } from './server';

/** The tables a check counts, each under the name its count is reported by. */
export type Tables = Record<string, EntityName<object>>;

/** A row count per named table. */
export type RowCounts<T extends Tables> = { [K in keyof T]: number };

/**
 * How many rows each table holds, read in one statement: the fingerprint of a
 * command that must write nothing (`expect(await rows()).toEqual(before)`) or
 * exactly what a test names (see `rowChanges`).
 */
export async function countRows<T extends Tables>(t: TestServer, tables: T): Promise<RowCounts<T>> {
  const em = t.em();
  const names = Object.keys(tables);
  const columns = names.map((name, i) => `(select count(*)::int from "${em.getMetadata(tables[name]!).tableName}") as c${i}`);
  const [row] = await em.getConnection().execute<Record<string, number>[]>(`select ${columns.join(', ')}`);
  return Object.fromEntries(names.map((name, i) => [name, Number(row![`c${i}`])])) as RowCounts<T>;
}

/** The tables whose count moved from `before` to `after`, by how much: `{}` when nothing did. */
export function rowChanges<T extends Tables>(before: RowCounts<T>, after: RowCounts<T>): Partial<RowCounts<T>> {
  return Object.fromEntries(Object.keys(before).flatMap((name) => (after[name] === before[name] ? [] : [[name, after[name]! - before[name]!]]))) as Partial<RowCounts<T>>;
}
