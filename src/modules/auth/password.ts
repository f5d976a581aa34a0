import { hash, verify } from '@node-rs/argon2';
import { ErrorCode, type Problems } from '../../common/errors';

// argon2id with the library's defaults (OWASP's recommended minimums or better).
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A hash to verify against when the email is unknown, so both failures take the same time. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hash('decoy password that never matches');
  return decoy;
}

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** A password an admin sets (agents, end users) must be PASSWORD_MIN to PASSWORD_MAX characters. */
export function checkPassword(problems: Problems, password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    problems.add(ErrorCode.BAD_USER_INPUT, `${field} must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`, field);
  }
}
