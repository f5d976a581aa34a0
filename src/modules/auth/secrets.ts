import { createHash, randomBytes } from 'node:crypto';

/** Token prefixes tell people (and secret scanners) what a leaked string is. */
export const PREFIX = { SESSION: 'dqs_', API_KEY: 'dqk_', TICKET_ACCESS: 'dqt_' } as const;

/** 256 bits from the CSPRNG. */
export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A readable password for the bootstrap admin and demo logins (about 120 bits). */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url').replace(/[-_]/g, 'x');
}
