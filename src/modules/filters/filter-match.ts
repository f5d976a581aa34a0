import type { TicketSource } from '../tickets/ticket-source';
import type { RegexBatch, RegexOutcome } from './regex-pool';
import { type FilterActions, type FilterRule, MatchOperator, TicketFilterField } from './ticket-filter.entity';

// Matching a new ticket against the filters (SPEC §4), as pure functions: the
// regex tests are planned first, run by the caller (in the regex pool, with
// their time bound), and their outcomes fed back here. Everything else is
// plain string comparison.

/** A named object a rule may compare with: its global id (exact) or its name (ignoring case). */
export interface NamedFact {
  id: string;
  name: string;
}

/** What rules look at: the new ticket as its caller sent it. */
export interface TicketFacts {
  subject: string;
  /** Plain text of the sanitized body; computed only when a rule needs it. */
  body: () => string;
  email: string;
  name: string;
  source: TicketSource;
  helpTopic: NamedFact | null;
  priority: NamedFact | null;
  department: NamedFact | null;
}

/** The part of a filter matching needs. */
export interface FilterDefinition {
  id: number;
  name: string;
  matchAll: boolean;
  stopOnMatch: boolean;
  sources: TicketSource[];
  rules: FilterRule[];
  actions: FilterActions;
}

export interface FilterVerdict<F extends FilterDefinition = FilterDefinition> {
  filter: F;
  matched: boolean;
  /** A regex rule ran out of time (or failed): the filter did not match. */
  timedOut: boolean;
  /** This filter ended the run (stop-on-match, or a rejection). */
  stoppedRun: boolean;
}

export interface FilterRun<F extends FilterDefinition = FilterDefinition> {
  /** The filters that matched or timed out, in execution order, up to the one that ended the run. */
  verdicts: FilterVerdict<F>[];
  /** The filter whose reject action ended the run. */
  rejectedBy: F | null;
}

const isRegex = (op: MatchOperator) => op === MatchOperator.MATCHES || op === MatchOperator.NOT_MATCHES;
const isNamed = (field: TicketFilterField) =>
  field === TicketFilterField.HELP_TOPIC || field === TicketFilterField.PRIORITY || field === TicketFilterField.DEPARTMENT;

export function appliesTo(filter: Pick<FilterDefinition, 'sources'>, source: TicketSource): boolean {
  return filter.sources.length === 0 || filter.sources.includes(source);
}

function named(facts: TicketFacts, field: TicketFilterField): NamedFact | null {
  if (field === TicketFilterField.HELP_TOPIC) return facts.helpTopic;
  if (field === TicketFilterField.PRIORITY) return facts.priority;
  return facts.department;
}

/** The text a rule's text operators (and regexes) look at. */
function textOf(facts: TicketFacts, field: TicketFilterField): string {
  switch (field) {
    case TicketFilterField.SUBJECT:
      return facts.subject;
    case TicketFilterField.BODY:
      return facts.body();
    case TicketFilterField.EMAIL:
      return facts.email;
    case TicketFilterField.NAME:
      return facts.name;
    case TicketFilterField.EMAIL_DOMAIN:
      return facts.email.slice(facts.email.lastIndexOf('@') + 1);
    case TicketFilterField.SOURCE:
      return facts.source;
    default:
      return named(facts, field)?.name ?? '';
  }
}

const lower = (s: string) => s.toLowerCase();

/** A non-regex rule. */
function plainMatch(facts: TicketFacts, rule: FilterRule): boolean {
  const value = lower(rule.value);
  if ((rule.operator === MatchOperator.EQUALS || rule.operator === MatchOperator.NOT_EQUALS) && isNamed(rule.field)) {
    const fact = named(facts, rule.field);
    const equal = fact !== null && (fact.id === rule.value || lower(fact.name) === value);
    return rule.operator === MatchOperator.EQUALS ? equal : !equal;
  }
  const text = lower(textOf(facts, rule.field));
  switch (rule.operator) {
    case MatchOperator.EQUALS:
      return text === value;
    case MatchOperator.NOT_EQUALS:
      return text !== value;
    case MatchOperator.CONTAINS:
      return text.includes(value);
    case MatchOperator.NOT_CONTAINS:
      return !text.includes(value);
    case MatchOperator.STARTS_WITH:
      return text.startsWith(value);
    case MatchOperator.ENDS_WITH:
      return text.endsWith(value);
    default:
      throw new Error(`not a plain operator: ${rule.operator}`);
  }
}

export interface RegexPlan {
  batch: RegexBatch;
  /** For each filter (by position), for each rule: its test's index in the batch, or -1. */
  testOf: number[][];
}

/**
 * Every regex test the run may need, in one batch: the regex rules of the
 * filters that apply to the ticket's source. (Tests run eagerly, so a
 * filter's outcome never depends on which of its other rules ran first.)
 */
export function planRegexTests(filters: readonly FilterDefinition[], facts: TicketFacts): RegexPlan {
  const texts: string[] = [];
  const textIndex = new Map<TicketFilterField, number>();
  const tests: RegexBatch['tests'] = [];
  const testOf = filters.map((filter) =>
    filter.rules.map((rule) => {
      if (!appliesTo(filter, facts.source) || !isRegex(rule.operator)) return -1;
      let text = textIndex.get(rule.field);
      if (text === undefined) {
        text = texts.push(textOf(facts, rule.field)) - 1;
        textIndex.set(rule.field, text);
      }
      return tests.push({ pattern: rule.value, text }) - 1;
    }),
  );
  return { batch: { texts, tests }, testOf };
}

/**
 * Runs the filters in order on the facts and the regex outcomes: a filter
 * with a timed-out regex rule does not match; stop-on-match and reject end
 * the run.
 */
export function runFilters<F extends FilterDefinition>(filters: readonly F[], facts: TicketFacts, plan: RegexPlan, outcomes: readonly RegexOutcome[]): FilterRun<F> {
  const verdicts: FilterVerdict<F>[] = [];
  for (const [i, filter] of filters.entries()) {
    if (!appliesTo(filter, facts.source) || filter.rules.length === 0) continue;
    let timedOut = false;
    const results = filter.rules.map((rule, r) => {
      const test = plan.testOf[i]![r]!;
      if (test < 0) return plainMatch(facts, rule);
      const outcome = outcomes[test];
      if (outcome !== 'match' && outcome !== 'nomatch') {
        timedOut = true;
        return false;
      }
      return (outcome === 'match') === (rule.operator === MatchOperator.MATCHES);
    });
    const matched = !timedOut && (filter.matchAll ? results.every(Boolean) : results.some(Boolean));
    if (!matched && !timedOut) continue;
    const rejects = matched && filter.actions.reject === true;
    const stoppedRun = matched && (filter.stopOnMatch || rejects);
    verdicts.push({ filter, matched, timedOut, stoppedRun });
    if (rejects) return { verdicts, rejectedBy: filter };
    if (stoppedRun) break;
  }
  return { verdicts, rejectedBy: null };
}
