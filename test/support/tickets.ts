import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expect } from 'vitest';
import { OpenTicketDocument, UpdateTicketDocument, type OpenTicketInput, type OpenTicketMutation } from '../__generated__/graphql';
import type { TestServer } from './server';

/** What an open-ticket document must select: its payload, with userErrors. */
type Opens = { openTicket: { userErrors: readonly unknown[] } };

/** The input of a ticket opened for a test: the body may be left out ('x'). */
export type TicketInput = Omit<OpenTicketInput, 'body'> & { body?: string };

/**
 * Opens a ticket through the API as `token` (null: anonymously), expecting no
 * userErrors, and returns the payload `doc` selects (ticket, accessToken, …).
 * Suites with their own selection pass their document.
 */
export async function openTicket<TData extends Opens = OpenTicketMutation>(
  t: TestServer,
  token: string | null,
  input: TicketInput,
  doc: TypedDocumentNode<TData, { input: OpenTicketInput }> = OpenTicketDocument as unknown as TypedDocumentNode<TData, { input: OpenTicketInput }>,
): Promise<TData['openTicket']> {
  const res = await t.gql(doc, { input: { body: 'x', ...input } }, { token });
  expect(res.data?.openTicket.userErrors, JSON.stringify(res)).toEqual([]);
  return res.data!.openTicket;
}

/** What a document for `newTicket` must select: the ticket too. */
type OpensTicket = { openTicket: { ticket?: object | null; userErrors: readonly unknown[] } };

/** `openTicket`, for a test that needs only the ticket (as `doc` selects it). */
export async function newTicket<TData extends OpensTicket = OpenTicketMutation>(
  t: TestServer,
  token: string | null,
  input: TicketInput,
  doc?: TypedDocumentNode<TData, { input: OpenTicketInput }>,
): Promise<NonNullable<TData['openTicket']['ticket']>> {
  const opened = await openTicket<TData & Opens>(t, token, input, doc);
  expect(opened.ticket, 'a ticket opened without userErrors').toBeTruthy();
  return opened.ticket!;
}

let renames = 0;

/**
 * Gives a ticket a new, unique subject: a change every subscriber that can see
 * the ticket hears (CHANGED in each queue it is in, counts unchanged), which
 * makes it a barrier for "nothing else arrives". Returns the subject and the
 * ticket's new version, to tell its payloads apart.
 */
export async function renameTicket(t: TestServer, token: string, ticketId: string): Promise<{ subject: string; version: number }> {
  const subject = `Barrier ${++renames}`;
  const res = await t.gql(UpdateTicketDocument, { input: { ticketId, subject } }, { token });
  expect(res.data?.updateTicket.userErrors, JSON.stringify(res)).toEqual([]);
  return { subject, version: res.data!.updateTicket.ticket!.version };
}
