import { lexicographicSortSchema, printSchema } from 'graphql';
import { deskSchema } from './schema';

const HEADER = '# Generated from the code by `npm run schema:emit`; do not edit. A test fails when it drifts.\n\n';

/** The schema as committed in schema/schema.graphql: sorted SDL. */
export async function printedSchema(): Promise<string> {
  return HEADER + printSchema(lexicographicSortSchema(await deskSchema())) + '\n';
}
