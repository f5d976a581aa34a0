import type { Configuration } from '@mikro-orm/core';
import { AbstractSqlDriver, PostgreSqlPlatform } from '@mikro-orm/postgresql';
import type * as PGliteModule from 'mikro-orm-pglite' with { 'resolution-mode': 'import' };

// The driver ships an ESM type declaration but also a CommonJS build, which `require` loads.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { PGliteConnection, PGliteKnexDialect } = require('mikro-orm-pglite') as typeof PGliteModule;

/**
 * Whether the SQL holds more than one statement: a `;` outside string
 * literals (standard and E'…'), quoted identifiers, dollar quotes and
 * comments, with more SQL after it.
 *
 * The PGlite dialect (`@harryplusplus/knex-pglite` 0.x) decides this by
 * splitting on every `;`. MikroORM 6 inlines values into the SQL it runs, so
 * an ordinary value holding a `;` (`&amp;` in a sanitized body) sent a single
 * INSERT down the multi-statement path, whose result has no rows: the new
 * row's id was lost, and a SELECT came back nested one array deeper.
 */
export function isMultiStatement(sql: string): boolean {
  const n = sql.length;
  let ended = false;
  let i = 0;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // Anything else after a statement's `;` is a second statement.
    if (ended && c !== ';') return true;
    if (c === ';') {
      ended = true;
      i++;
    } else if (c === "'") {
      const escapes = i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && (i < 2 || !/[\w$]/.test(sql[i - 2]!));
      i++;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
    } else if (c === '"') {
      i++;
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') i += 2;
        else if (sql[i] === '"') break;
        else i++;
      }
      i++;
    } else if (c === '$' && (i === 0 || !/[\w$]/.test(sql[i - 1]!))) {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64))?.[0];
      if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        i = close < 0 ? n : close + tag.length;
      } else i++;
    } else i++;
  }
  return false;
}

type Dialect = InstanceType<typeof PGliteKnexDialect>;

/** The PGlite dialect, deciding what is one statement with `isMultiStatement`. */
class DeskPGliteKnexDialect extends PGliteKnexDialect {
  // On the prototype: knex builds each transaction's client from the class's prototype, not from the instance.
  override async _query(connection: Parameters<Dialect['_query']>[0], obj: Parameters<Dialect['_query']>[1]): ReturnType<Dialect['_query']> {
    if (!obj.sql) throw new Error('The query is empty');
    obj.response = obj.method === 'raw' && isMultiStatement(obj.sql) ? await connection.exec(obj.sql) : await connection.query(obj.sql, obj.bindings ?? []);
    return obj;
  }
}

/** The PGlite connection on `DeskPGliteKnexDialect` (as `PGliteConnection.createKnex`, with our dialect). */
class DeskPGliteConnection extends PGliteConnection {
  override createKnex(): void {
    this.client = this.createKnexClient(DeskPGliteKnexDialect as never);
    const dialect = this.getKnex().client as { ormConfig: unknown; driver: unknown };
    dialect.ormConfig = this.config;
    dialect.driver = (this as unknown as { dialectDataSource: unknown }).dialectDataSource;
    this.connected = true;
  }
}

/** `mikro-orm-pglite`'s driver, on `DeskPGliteConnection`. */
export class DeskPGliteDriver extends AbstractSqlDriver<DeskPGliteConnection> {
  constructor(config: Configuration) {
    super(config, new PostgreSqlPlatform(), DeskPGliteConnection, ['knex', '@electric-sql/pglite', '@harryplusplus/knex-pglite']);
  }
}
