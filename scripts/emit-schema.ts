/**
 * Emits schema/schema.graphql from the code, sorted so diffs stay readable:
 * `npm run schema:emit`. `--check` exits 1 when the file is out of date.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printedSchema } from '../src/server/schema-print';

async function main(): Promise<void> {
  const file = path.resolve(__dirname, '../schema/schema.graphql');
  const text = await printedSchema();
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (current !== text) {
      console.error('schema/schema.graphql is out of date: run `npm run schema:emit` and commit it.');
      process.exit(1);
    }
    console.log('schema/schema.graphql is up to date.');
    return;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  console.log(`Wrote ${path.relative(process.cwd(), file)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
