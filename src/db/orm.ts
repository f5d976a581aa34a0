import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { DataloaderType, type Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import { entities } from './entities';
import { migrationsList } from './migrations';
import { DeskPGliteDriver } from './pglite-driver';
import { ReferenceInvalidation } from '../common/reference-cache';
import { Department } from '../modules/directory/department.entity';
import { DepartmentEmailSettings, EmailTemplate } from '../modules/email/email.entity';
import { Mailbox } from '../modules/email/mailbox.entity';
import { NOTIFY_CHANNEL } from '../modules/events/outbox';
import { TicketFilter } from '../modules/filters/ticket-filter.entity';
import { Schedule } from '../modules/sla/schedule.entity';
import { SlaPlan } from '../modules/sla/sla-plan.entity';
import { HelpTopic } from '../modules/tickets/help-topic.entity';
import { Priority } from '../modules/tickets/priority.entity';
import { TicketStatus } from '../modules/tickets/ticket-status.entity';

export type Orm = MikroORM;

export interface Database {
  orm: MikroORM;
  /** Which engine serves the data. */
  engine: 'pglite' | 'postgresql';
  close(): Promise<void>;
}

function baseOptions(): Options {
  return {
    entities,
    discovery: { requireEntitiesArray: true },
    // Batch every reference and collection load (DESIGN convention 11).
    dataloader: DataloaderType.ALL,
    forceUtcTimezone: true,
    // The global EntityManager must never be used by operations: each gets a fork.
    allowGlobalContext: false,
    extensions: [Migrator],
    migrations: {
      migrationsList,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      tableName: 'mikro_orm_migrations',
      silent: true,
    },
  };
}

export interface DatabaseOptions {
  /** Called with every SQL statement sent (tests put a ceiling on statements per operation). */
  onQuery?: (sql: string) => void;
}

function queryLogging(options: DatabaseOptions): Partial<Options> {
  if (!options.onQuery) return {};
  const onQuery = options.onQuery;
  return {
    debug: ['query'],
    logger: (message: string) => {
      if (message.startsWith('[query]')) onQuery(message);
    },
    colors: false,
  };
}

/** Opens the database of the config: PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>, options: DatabaseOptions = {}): Promise<Database> {
  if (config.databaseUrl) {
    const orm = await MikroORM.init<PostgreSqlDriver>({
      ...(baseOptions() as Options<PostgreSqlDriver>),
      driver: PostgreSqlDriver,
      clientUrl: config.databaseUrl,
      pool: { min: 0, max: 10 },
      ...(queryLogging(options) as Options<PostgreSqlDriver>),
    });
    // Reference data changes reach the other processes on the events' channel (the dispatcher listens).
    orm.em.getEventManager().registerSubscriber(new ReferenceInvalidation(NOTIFY_CHANNEL, REFERENCE_DATA));
    return { orm, engine: 'postgresql', close: () => orm.close(true) };
  }
  // Create PGlite ourselves so the data lives on disk (the driver's own instance is in-memory).
  // pg_trgm serves `search.text` (a trigram index on ticket.subject); PGlite ships it as an extension to load.
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const extensions = { pg_trgm };
  let pglite: PGlite;
  if (config.dataDir === ':memory:') {
    pglite = new PGlite({ extensions });
  } else {
    const dir = path.join(config.dataDir, 'db');
    fs.mkdirSync(dir, { recursive: true });
    pglite = new PGlite(dir, { extensions });
  }
  await pglite.waitReady;
  // mikro-orm-pglite's driver (the same SQL entity manager as PostgreSQL's), with its statement splitting fixed.
  const orm = (await MikroORM.init({
    ...baseOptions(),
    driver: DeskPGliteDriver,
    dbName: 'postgres',
    driverOptions: { connection: { pglite: () => pglite } },
    ...queryLogging(options),
  })) as unknown as MikroORM;
  orm.em.getEventManager().registerSubscriber(new ReferenceInvalidation(null, REFERENCE_DATA));
  return {
    orm,
    engine: 'pglite',
    close: async () => {
      await orm.close(true);
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** The entity types the reference cache holds (src/common/reference-cache.ts): a change of one drops it everywhere. */
const REFERENCE_DATA = [TicketStatus, Priority, Department, HelpTopic, SlaPlan, Schedule, TicketFilter, Mailbox, EmailTemplate, DepartmentEmailSettings];

const MIGRATION_LOCK = 7_460_000;

/**
 * Applies pending migrations; the same migrations serve both engines. On
 * PostgreSQL several processes may start at once: a session advisory lock,
 * held on its own connection, lets one migrate while the others wait.
 */
export async function migrate(orm: MikroORM, databaseUrl?: string): Promise<void> {
  if (!databaseUrl) {
    await orm.getMigrator().up();
    return;
  }
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await orm.getMigrator().up();
  } finally {
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.end();
  }
}
