import { sanitizeHtml } from '../../common/html';

/**
 * `%{…}` variables of canned responses (SPEC §5), rendered for one ticket.
 * Pure: the caller gathers the values.
 */
export const CANNED_VARIABLES = [
  'ticket.number',
  'ticket.subject',
  'ticket.status',
  'ticket.priority',
  'ticket.dept',
  'ticket.due_date',
  'ticket.assigned',
  'recipient.name',
  'recipient.email',
  'staff.name',
] as const;

export type CannedVariable = (typeof CANNED_VARIABLES)[number];
export type CannedValues = Record<CannedVariable, string>;

const KNOWN = new Set<string>(CANNED_VARIABLES);

/**
 * A variable reference: `%{` name `}`, the name 1–100 characters without
 * whitespace, braces, `%` or markup. Anything else (`%{}`, `%{ a b }`) is text.
 */
const VARIABLE = /%\{([^\s{}%<>]{1,100})\}/g;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML: safe in element content and in quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * Due dates in the customer's eyes: `2026-11-27 14:30 UTC` (readable, and
 * unambiguous without knowing the reader's time zone); empty when none.
 */
export function formatDueDate(date: Date | null): string {
  if (!date) return '';
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The `%{…}` references of a body that are not variables (they do not depend on any ticket). */
export function unknownVariables(body: string): string[] {
  const unknown: string[] = [];
  for (const [, name] of body.matchAll(VARIABLE)) if (!KNOWN.has(name!) && !unknown.includes(name!)) unknown.push(name!);
  return unknown;
}

/** `The canned response has unknown variables (%{a}, %{b})`: the one wording for every place that refuses or skips one. */
export function unknownVariablesProblem(unknown: readonly string[]): string {
  return `The canned response has unknown variables (${unknown.map((v) => `%{${v}}`).join(', ')})`;
}

export interface RenderedTemplate {
  html: string;
  /** Names of the `%{…}` references that are not variables, first occurrence order, once each. */
  unknownVariables: string[];
}

/**
 * Substitutes the known variables with their HTML-escaped values in one pass
 * (a value that itself reads `%{…}` is not expanded again) and leaves unknown
 * ones as they are. The result is sanitized again: a value put into an
 * attribute (say an `href` that was only `%{ticket.subject}`) is checked like
 * any other input.
 */
export function renderTemplate(body: string, values: CannedValues): RenderedTemplate {
  const unknown: string[] = [];
  const substituted = body.replace(VARIABLE, (whole, name: string) => {
    if (KNOWN.has(name)) return escapeHtml(values[name as CannedVariable]);
    if (!unknown.includes(name)) unknown.push(name);
    return whole;
  });
  return { html: sanitizeHtml(substituted).html, unknownVariables: unknown };
}
