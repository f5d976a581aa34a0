import { expect } from 'vitest';
import { CannedCreateDocument, type CannedCreateMutation, type CreateCannedResponseInput } from '../__generated__/graphql';
import type { TestServer } from './server';

/** Tries to create a canned response as `token`: the whole response, to assert a refusal on. */
export const tryCreateCanned = (t: TestServer, token: string, input: CreateCannedResponseInput) => t.gql(CannedCreateDocument, { input }, { token });

/** Creates a canned response as `token`, expecting no errors and no userErrors. */
export async function createCanned(
  t: TestServer,
  token: string,
  input: CreateCannedResponseInput,
): Promise<NonNullable<CannedCreateMutation['createCannedResponse']['cannedResponse']>> {
  const res = await tryCreateCanned(t, token, input);
  expect({ errors: res.errors, userErrors: res.data?.createCannedResponse.userErrors }, JSON.stringify(res)).toEqual({ errors: undefined, userErrors: [] });
  return res.data!.createCannedResponse.cannedResponse!;
}
