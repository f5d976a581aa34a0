import { type EntityManager, UniqueConstraintViolationException } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import type { ClassType } from 'type-graphql';
import { memo, type Context } from '../../common/context';
import { DomainError, ErrorCode, fail, Problems, topLevelError } from '../../common/errors';
import { decodeGlobalId } from '../../common/global-id';
import { lookup } from '../../common/lookup';
import { inTransaction } from '../../common/tx';
import { cleanEmail, cleanName } from '../../common/validate';
import { CannedResponse } from '../canned/canned-response.entity';
import { cannedFacts, usableOnTicket } from '../canned/canned.policy';
import { unknownVariables, unknownVariablesProblem } from '../canned/canned.template';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { Team } from '../directory/team.entity';
import { SlaPlan } from '../sla/sla-plan.entity';
import { checkBody } from '../threads/thread.service';
import { HelpTopic } from '../tickets/help-topic.entity';
import { draftStart, ticketFacts } from '../tickets/intake.service';
import { Priority } from '../tickets/priority.entity';
import { TicketSource } from '../tickets/ticket-source';
import { isLive } from '../tickets/ticket-state';
import { TicketStatus } from '../tickets/ticket-status.entity';
import { cleanPeople } from '../tickets/collaborator.service';
import { cleanSubject } from '../tickets/ticket.service';
import { INACTIVE_AGENT } from '../tickets/assignment.service';
import { filterRegex } from './regex-pool';
import { type FilterActions, type FilterRule, MatchOperator, TicketFilter, TicketFilterField } from './ticket-filter.entity';
import type { CreateTicketFilterInput, TestTicketFiltersInput, TicketFilterActionsInput, TicketFilterRuleInput, UpdateTicketFilterInput } from './ticket-filter.inputs';
import { appliedEventData, evaluateFilters, planTicket } from './ticket-filter.pipeline';

// Admin CRUD of ticket filters (SPEC §4) and their dry run. Everything a
// filter names is checked when it is saved, so intake meets no surprises but
// objects deleted since (which intake skips and reports in the event).

export const MAX_RULES = 50;
export const MAX_RULE_VALUE = 1000;
export const MAX_FILTER_COLLABORATORS = 50;

const NAMED_FIELDS: Partial<Record<TicketFilterField, { type: string; entity: new (...args: never[]) => object }>> = {
  [TicketFilterField.HELP_TOPIC]: { type: 'HelpTopic', entity: HelpTopic },
  [TicketFilterField.PRIORITY]: { type: 'Priority', entity: Priority },
  [TicketFilterField.DEPARTMENT]: { type: 'Department', entity: Department },
};

async function cleanRules(em: EntityManager, problems: Problems, rules: TicketFilterRuleInput[]): Promise<FilterRule[]> {
  if (rules.length === 0) problems.add(ErrorCode.BAD_USER_INPUT, 'A filter needs at least one rule', 'rules');
  if (rules.length > MAX_RULES) problems.add(ErrorCode.BAD_USER_INPUT, `At most ${MAX_RULES} rules`, 'rules');
  const result: FilterRule[] = [];
  for (const [i, rule] of rules.entries()) {
    const at = ['rules', String(i), 'value'];
    const value = rule.value;
    if (value.trim().length === 0) problems.add(ErrorCode.BAD_USER_INPUT, 'The value must not be empty', at);
    else if (value.length > MAX_RULE_VALUE) problems.add(ErrorCode.BAD_USER_INPUT, `The value must be at most ${MAX_RULE_VALUE} characters`, at);
    else if (rule.operator === MatchOperator.MATCHES || rule.operator === MatchOperator.NOT_MATCHES) {
      try {
        filterRegex(value);
      } catch (error) {
        problems.add(ErrorCode.BAD_USER_INPUT, `Not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}`, at);
      }
    } else if (rule.field === TicketFilterField.SOURCE && (rule.operator === MatchOperator.EQUALS || rule.operator === MatchOperator.NOT_EQUALS)) {
      if (!Object.values(TicketSource).includes(value.toUpperCase() as TicketSource)) {
        problems.add(ErrorCode.BAD_USER_INPUT, `A source is one of ${Object.values(TicketSource).join(', ')}`, at);
      }
    } else if (rule.operator === MatchOperator.EQUALS || rule.operator === MatchOperator.NOT_EQUALS) {
      // An id must name an object of the field's type that exists (a name is compared as it is).
      const named = NAMED_FIELDS[rule.field];
      const decoded = named ? decodeGlobalId(value) : null;
      if (named && decoded && typeof decoded.key === 'number') {
        if (decoded.type !== named.type) problems.add(ErrorCode.BAD_USER_INPUT, `The value is the id of a ${decoded.type}, not of a ${named.type}`, at);
        else if (!(await em.findOne(named.entity, { id: decoded.key }))) problems.add(ErrorCode.NOT_FOUND, `${named.type} not found`, at);
      }
    }
    result.push({ field: rule.field, operator: rule.operator, value });
  }
  return result;
}

async function cleanActions(em: EntityManager, problems: Problems, input: TicketFilterActionsInput): Promise<FilterActions> {
  const actions: FilterActions = {};
  const field = (name: string) => ['actions', name];
  const find = async <T extends { id: number }>(entity: ClassType<T>, type: string, id: string | null | undefined, name: string): Promise<T | null> =>
    id ? lookup(em, entity, type, id, field(name).join('.'), problems) : null;

  const department = await find(Department, 'Department', input.departmentId, 'departmentId');
  if (department) actions.departmentId = department.id;
  const canned = await find(CannedResponse, 'CannedResponse', input.autoReplyCannedResponseId, 'autoReplyCannedResponseId');
  if (canned) {
    const at = field('autoReplyCannedResponseId');
    const unknown = unknownVariables(canned.body);
    if (!canned.isEnabled) problems.add(ErrorCode.BAD_USER_INPUT, 'The canned response is disabled', at);
    else if (department && !usableOnTicket(cannedFacts(canned), department.id)) {
      // The same answer a reply gets for another department's response.
      problems.add(ErrorCode.NOT_FOUND, `Canned response not found in ${department.name}, the department this filter sets`, at);
    } else if (unknown.length > 0) {
      problems.add(ErrorCode.BAD_USER_INPUT, `${unknownVariablesProblem(unknown)}; customers would see them as written`, at);
    }
    actions.autoReplyCannedResponseId = canned.id;
  }
  const priority = await find(Priority, 'Priority', input.priorityId, 'priorityId');
  if (priority) actions.priorityId = priority.id;
  const sla = await find(SlaPlan, 'SlaPlan', input.slaPlanId, 'slaPlanId');
  if (sla && !sla.isActive) problems.add(ErrorCode.BAD_USER_INPUT, 'The SLA plan is inactive', field('slaPlanId'));
  if (sla) actions.slaPlanId = sla.id;
  const status = await find(TicketStatus, 'TicketStatus', input.statusId, 'statusId');
  if (status && !isLive(status.state)) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'A new ticket may only get an open or closed status', field('statusId'));
  }
  if (status) actions.statusId = status.id;
  const topic = await find(HelpTopic, 'HelpTopic', input.helpTopicId, 'helpTopicId');
  if (topic && !topic.isActive) problems.add(ErrorCode.BAD_USER_INPUT, 'The help topic is inactive', field('helpTopicId'));
  if (topic) actions.helpTopicId = topic.id;
  const agent = await find(Agent, 'Agent', input.assignAgentId, 'assignAgentId');
  if (agent && !agent.isActive) problems.add(ErrorCode.BAD_USER_INPUT, INACTIVE_AGENT, field('assignAgentId'));
  if (agent) actions.assignAgentId = agent.id;
  const team = await find(Team, 'Team', input.assignTeamId, 'assignTeamId');
  if (team) actions.assignTeamId = team.id;
  if (input.addCollaborators?.length) {
    if (input.addCollaborators.length > MAX_FILTER_COLLABORATORS) {
      problems.add(ErrorCode.BAD_USER_INPUT, `At most ${MAX_FILTER_COLLABORATORS} collaborators`, field('addCollaborators'));
    }
    actions.addCollaborators = cleanPeople(problems, input.addCollaborators, 'actions.addCollaborators');
  }
  if (input.reject) {
    actions.reject = true;
    if (Object.keys(actions).length > 1) {
      problems.add(ErrorCode.BAD_USER_INPUT, 'A filter that rejects the ticket can have no other action', field('reject'));
    }
  }
  return actions;
}

function cleanSources(sources: TicketSource[] | null | undefined): TicketSource[] {
  return [...new Set(sources ?? [])];
}

async function checkName(em: EntityManager, problems: Problems, value: string, exceptId?: number): Promise<string> {
  const name = cleanName(problems, value, 'name');
  const clash = await em.count(TicketFilter, { name, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
  if (clash > 0) problems.add(ErrorCode.BAD_USER_INPUT, 'name is already taken', 'name');
  return name;
}

function checkOrder(problems: Problems, order: number | null | undefined): void {
  if (order != null && (order < -1_000_000 || order > 1_000_000)) {
    problems.add(ErrorCode.BAD_USER_INPUT, 'executionOrder must be between -1000000 and 1000000', 'executionOrder');
  }
}

async function command<T>(ctx: Context, work: (em: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await inTransaction(ctx, work);
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) fail(ErrorCode.CONFLICT, 'A filter with the same name was created at the same time; try again', 'name');
    throw error;
  }
}

export function createTicketFilter(ctx: Context, input: CreateTicketFilterInput): Promise<TicketFilter> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = await checkName(em, problems, input.name);
    checkOrder(problems, input.executionOrder);
    const rules = await cleanRules(em, problems, input.rules);
    const actions = await cleanActions(em, problems, input.actions);
    problems.throwIfAny();
    const filter = em.create(TicketFilter, {
      name,
      isActive: input.isActive ?? true,
      executionOrder: input.executionOrder ?? 0,
      matchAll: input.matchAll ?? true,
      stopOnMatch: input.stopOnMatch ?? false,
      sources: cleanSources(input.sources),
      rules,
      actions,
    });
    await em.flush();
    return filter;
  });
}

export function updateTicketFilter(ctx: Context, input: UpdateTicketFilterInput): Promise<TicketFilter> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const found = await lookup(em, TicketFilter, 'TicketFilter', input.ticketFilterId, 'ticketFilterId', problems);
    problems.throwIfAny();
    const f = found!;
    if (input.name != null) f.name = await checkName(em, problems, input.name, f.id);
    checkOrder(problems, input.executionOrder);
    if (input.isActive != null) f.isActive = input.isActive;
    if (input.executionOrder != null) f.executionOrder = input.executionOrder;
    if (input.matchAll != null) f.matchAll = input.matchAll;
    if (input.stopOnMatch != null) f.stopOnMatch = input.stopOnMatch;
    if (input.sources != null) f.sources = cleanSources(input.sources);
    if (input.rules != null) f.rules = await cleanRules(em, problems, input.rules);
    if (input.actions != null) f.actions = await cleanActions(em, problems, input.actions);
    problems.throwIfAny();
    await em.flush();
    return f;
  });
}

export function deleteTicketFilter(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const found = await lookup(em, TicketFilter, 'TicketFilter', id, 'id', problems);
    problems.throwIfAny();
    em.remove(found!);
    await em.flush();
    return id;
  });
}

// ---- dry run -----------------------------------------------------------------

export interface DryRunVerdict {
  filter: TicketFilter;
  matched: boolean;
  timedOut: boolean;
  stoppedRun: boolean;
  effect: Record<string, unknown> | null;
}

export interface DryRun {
  filters: DryRunVerdict[];
  rejected: boolean;
  department: Department | null;
  priority: Priority | null;
  slaPlan: SlaPlan | null;
  status: TicketStatus | null;
  helpTopic: HelpTopic | null;
  assignee: Agent | null;
  team: Team | null;
  collaborators: { email: string; name: string | null }[];
  autoReplyCannedResponse: CannedResponse | null;
}

/** A query's input problems are a top-level BAD_USER_INPUT error. */
function inputErrors(problems: Problems): void {
  try {
    problems.throwIfAny();
  } catch (error) {
    if (error instanceof DomainError) {
      const field = (e: { field: string[] | null; message: string }) => (e.field && !e.message.startsWith(e.field.join('.')) ? ` (${e.field.join('.')})` : '');
      throw topLevelError('BAD_USER_INPUT', error.errors.map((e) => `${e.message}${field(e)}`).join('; '));
    }
    throw error;
  }
}

/**
 * testTicketFilters: the filters on a draft ticket, through the same two
 * steps as openTicket (evaluate, then plan), writing nothing.
 */
export async function testTicketFilters(ctx: Context, input: TestTicketFiltersInput): Promise<DryRun> {
  const em = ctx.em.fork();
  const problems = new Problems();
  const subject = cleanSubject(problems, input.subject);
  checkBody(problems, input.body, 'body');
  const owner = { email: cleanEmail(problems, input.email, 'email'), name: input.name != null ? cleanName(problems, input.name, 'name', 200) : null };
  // The same checks as openTicket's (as an agent may: admins run this).
  const start = await draftStart(em, input, problems, true);
  inputErrors(problems);
  const source = input.source ?? TicketSource.WEB;
  const run = await evaluateFilters(ctx, em, source, () => ticketFacts(em, { subject, body: input.body, owner, source }, start), { record: false });
  const rejected = run.rejectedBy !== null;
  const plan = rejected ? null : await planTicket(em, start, run);
  const effects = new Map(plan?.applied.map((a) => [a.filter, appliedEventData(a)]) ?? []);
  return {
    filters: run.verdicts.map((v) => ({ ...v, effect: effects.get(v.filter) ?? null })),
    rejected,
    department: plan?.department ?? null,
    priority: plan?.priority ?? null,
    slaPlan: plan?.slaPlan ?? null,
    status: plan?.status ?? null,
    helpTopic: plan?.helpTopic ?? null,
    assignee: plan?.assignee ?? null,
    team: plan?.team ?? null,
    collaborators: plan?.collaborators ?? [],
    autoReplyCannedResponse: plan?.autoReply ?? null,
  };
}

const loaderKeys = new Map<unknown, symbol>();

/** One query per entity type for all the ids a request's filters name. */
function byId<T extends { id: number }>(ctx: Context, entity: ClassType<T>): DataLoader<number, T | null> {
  let key = loaderKeys.get(entity);
  if (!key) loaderKeys.set(entity, (key = Symbol(entity.name)));
  return memo(ctx, key, () =>
    new DataLoader<number, T | null>(async (ids) => {
      const rows = await ctx.em.find(entity, { id: { $in: [...ids] } } as never);
      const found = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => found.get(id) ?? null);
    }),
  );
}

/** The objects a filter's stored actions name (null where deleted since). */
export async function actionsOf(ctx: Context, actions: FilterActions) {
  const get = <T extends { id: number }>(entity: new (...args: never[]) => T, id: number | undefined): Promise<T | null> =>
    id === undefined ? Promise.resolve(null) : byId(ctx, entity).load(id);
  const [department, priority, slaPlan, status, helpTopic, assignAgent, assignTeam, autoReplyCannedResponse] = await Promise.all([
    get(Department, actions.departmentId),
    get(Priority, actions.priorityId),
    get(SlaPlan, actions.slaPlanId),
    get(TicketStatus, actions.statusId),
    get(HelpTopic, actions.helpTopicId),
    get(Agent, actions.assignAgentId),
    get(Team, actions.assignTeamId),
    get(CannedResponse, actions.autoReplyCannedResponseId),
  ]);
  return { reject: actions.reject === true, department, priority, slaPlan, status, helpTopic, assignAgent, assignTeam, autoReplyCannedResponse, addCollaborators: actions.addCollaborators ?? [] };
}
