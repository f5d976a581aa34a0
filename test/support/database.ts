import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Where a test server keeps its data: an in-memory embedded database by
 * default, or — when DATABASE_URL is set — a fresh database created on that
 * PostgreSQL server for this suite alone (dropped afterwards).
 */
export interface TestDatabase {
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function testDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) return { env: { DESKQL_DATA_DIR: ':memory:' }, drop: async () => {} };
  const name = `deskql_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      try {
        // A role that is not a superuser may not end an autovacuum worker that
        // happens to be in the database (PostgreSQL 15 refuses the whole DROP
        // with 42501): such a worker is gone within moments, so try again.
        for (let attempt = 1; ; attempt++) {
          try {
            await c.query(`drop database if exists "${name}" with (force)`);
            break;
          } catch (error) {
            if ((error as { code?: string }).code !== '42501' || attempt >= 50) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      } finally {
        await c.end();
      }
    },
  };
}
