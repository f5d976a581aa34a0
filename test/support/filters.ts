import { expect } from 'vitest';
import { CreateTicketFilterDocument, type CreateTicketFilterInput, type CreateTicketFilterMutation } from '../__generated__/graphql';
import type { TestServer } from './server';

/** A ticket filter's input for a test: a name; left out, one rule (the subject contains an x) and no actions. */
export type FilterInput = Partial<CreateTicketFilterInput> & Pick<CreateTicketFilterInput, 'name'>;

/** Tries to create a ticket filter as `token`: its payload, userErrors and all (no top-level error). */
export async function tryCreateFilter(t: TestServer, token: string, input: FilterInput): Promise<CreateTicketFilterMutation['createTicketFilter']> {
  const res = await t.gql(CreateTicketFilterDocument, { input: { rules: [{ field: 'SUBJECT', operator: 'CONTAINS', value: 'x' }], actions: {}, ...input } }, { token });
  expect(res.errors, JSON.stringify(res.errors)).toBeUndefined();
  return res.data!.createTicketFilter;
}

/** Creates a ticket filter as `token`, expecting no userErrors. */
export async function createFilter(t: TestServer, token: string, input: FilterInput): Promise<NonNullable<CreateTicketFilterMutation['createTicketFilter']['ticketFilter']>> {
  const res = await tryCreateFilter(t, token, input);
  expect(res.userErrors, JSON.stringify(res)).toEqual([]);
  return res.ticketFilter!;
}
