import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/db/orm';
import { testDatabase } from '../support/database';

describe('migrations', () => {
  it('create exactly the schema the entities describe (run `npm run migration:create` after changing an entity)', async () => {
    const target = await testDatabase();
    const db = await openDatabase({ databaseUrl: target.env.DATABASE_URL, dataDir: ':memory:' });
    try {
      await migrate(db.orm);
      const pending = await db.orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
      expect(pending.trim()).toBe('');
    } finally {
      await db.close();
      await target.drop();
    }
  });
});
