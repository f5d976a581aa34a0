/**
 * Writes a migration for the difference between the committed migrations and
 * the entities: `npm run migration:create`. Runs against a throw-away
 * in-memory database, so it needs no server.
 */
import fs from 'node:fs';
import path from 'node:path';
import { migrate, openDatabase } from '../src/db/orm';

async function main(): Promise<void> {
  const db = await openDatabase({ databaseUrl: undefined, dataDir: ':memory:' });
  try {
    await migrate(db.orm);
    const dir = path.resolve(__dirname, '../src/db/migrations');
    db.orm.config.set('migrations', { ...db.orm.config.get('migrations'), path: dir, emit: 'ts' });
    const result = await db.orm.getMigrator().createMigration(dir);
    if (!result.fileName) {
      console.log('No changes: the migrations match the entities.');
      return;
    }
    const name = result.fileName.replace(/\.ts$/, '');
    const className = result.code.match(/export class (\w+)/)?.[1];
    const indexFile = path.join(dir, 'index.ts');
    let index = fs.readFileSync(indexFile, 'utf8');
    index = index.replace(
      "import type { MigrationObject } from '@mikro-orm/core';\n",
      `import type { MigrationObject } from '@mikro-orm/core';\nimport { ${className} } from './${name}';\n`,
    );
    index = index.replace(/\];\s*$/, `  { name: '${name}', class: ${className} },\n];\n`);
    fs.writeFileSync(indexFile, index);
    console.log(`Wrote src/db/migrations/${result.fileName}; review it, then commit it.`);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
