import { expect } from 'vitest';
import type { TestServer } from './server';

/** Upload and download over the attachment routes, as a client does. */
export interface Uploaded {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
export const TEXT = Buffer.from('line one\nligne deux: déjà vu\n');

const base = (t: TestServer) => t.url.replace(/\/graphql$/, '');

export async function uploadOk(t: TestServer, token: string, bytes: Buffer, filename: string, type = 'application/octet-stream'): Promise<Uploaded> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), filename);
  const res = await fetch(`${base(t)}/attachments`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as Uploaded;
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

/** The status and, on 200, the bytes. */
export async function download(t: TestServer, token: string, id: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${base(t)}/attachments/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}
