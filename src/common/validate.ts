import { z } from 'zod';
import { ErrorCode, type Problems } from './errors';

const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;
const emailSchema = z.email();

/**
 * A single-line name (person, department, queue…): trimmed, non-empty, no
 * control characters (CR/LF in a name must never reach an email header).
 */
export function cleanName(problems: Problems, value: string, field: string, max = 120): string {
  const v = value.normalize('NFC').trim();
  if (v.length === 0) problems.add(ErrorCode.BAD_USER_INPUT, `${field} must not be empty`, field);
  else if (v.length > max) problems.add(ErrorCode.BAD_USER_INPUT, `${field} must be at most ${max} characters`, field);
  else if (CONTROL.test(v)) problems.add(ErrorCode.BAD_USER_INPUT, `${field} must not contain control characters or line breaks`, field);
  return v;
}

/** An email address, lower-cased. */
export function cleanEmail(problems: Problems, value: string, field = 'email'): string {
  const v = value.trim().toLowerCase();
  if (v.length > 320 || CONTROL.test(v) || !emailSchema.safeParse(v).success) {
    problems.add(ErrorCode.BAD_USER_INPUT, `${field} must be a valid email address`, field);
  }
  return v;
}
