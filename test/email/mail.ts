import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { TestServer } from '../support/server';

/** A message as a mail client would write it (nodemailer's composer), as raw bytes. */
export function compose(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** Hands a raw message to POST /inbound/email (the MTA pipe's door). */
export async function postRaw(t: TestServer, apiKey: string | null, raw: Buffer | string, type = 'message/rfc822', query = ''): Promise<{ status: number; body: { id?: string; duplicate?: boolean; errors?: { extensions: { code: string } }[] } }> {
  const url = t.url.replace(/\/graphql$/, `/inbound/email${query}`);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) }, body: typeof raw === 'string' ? raw : new Uint8Array(raw) });
  return { status: res.status, body: (await res.json()) as never };
}

export async function adminApiKey(t: TestServer, adminToken: string): Promise<string> {
  const me = await t.gql<{ viewer: { id: string } }, unknown>('{ viewer { id } }', {}, { token: adminToken });
  const res = await t.gql<{ createApiKey: { secret: string | null; userErrors: unknown[] } }, unknown>(
    'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret userErrors { code message } } }',
    { input: { agentId: me.data!.viewer.id, name: 'mail pipe' } },
    { token: adminToken },
  );
  if (!res.data?.createApiKey.secret) throw new Error(JSON.stringify(res));
  return res.data.createApiKey.secret;
}
