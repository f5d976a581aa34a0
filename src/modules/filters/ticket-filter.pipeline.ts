import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { refById, referenceCache, refWhere } from '../../common/reference-cache';
import { toGlobalId } from '../../common/global-id';
import { CannedResponse } from '../canned/canned-response.entity';
import { cannedFacts, usableOnTicket } from '../canned/canned.policy';
import { unknownVariables, unknownVariablesProblem } from '../canned/canned.template';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { Team } from '../directory/team.entity';
import { inheritedSlaPlan, loadSlaPlan } from '../sla/due-date';
import type { SlaPlan } from '../sla/sla-plan.entity';
import { assignableIn } from '../tickets/assignment.service';
import { HelpTopic } from '../tickets/help-topic.entity';
import { Priority } from '../tickets/priority.entity';
import type { TicketSource } from '../tickets/ticket-source';
import { isLive } from '../tickets/ticket-state';
import { TicketStatus } from '../tickets/ticket-status.entity';
import { defaultOpenStatus } from '../tickets/status.service';
import { appliesTo, planRegexTests, runFilters, type FilterRun, type TicketFacts } from './filter-match';
import { TicketFilter } from './ticket-filter.entity';

// Ticket filters at intake (SPEC §3, §4). Two steps, shared by openTicket and
// the admins' dry run (testTicketFilters) so the two cannot disagree:
//
// 1. `evaluateFilters`, before the intake transaction: loads the active
//    filters and runs them on the ticket's facts (regexes in the regex pool,
//    with their time bound). No transaction is held open while regexes run.
// 2. `planTicket`, inside it: applies the matched filters' actions in order
//    (a later one overrides an earlier one), then the help-topic and
//    department defaults fill what is still unset.

/** The active filters, in execution order: from the reference cache when `cached` (intake), else read now (the dry run shows their counters). */
export async function activeFilters(em: EntityManager, cached = false): Promise<TicketFilter[]> {
  if (!cached) return em.find(TicketFilter, { isActive: true }, { orderBy: { executionOrder: 'asc', id: 'asc' } });
  const filters = await refWhere(em, TicketFilter, (f) => f.isActive === true);
  return filters.sort((a, b) => a.executionOrder - b.executionOrder || a.id - b.id);
}

export interface EvaluateOptions {
  /** Count timeouts on the filters (false for the dry run, which writes nothing). */
  record: boolean;
}

/** Step 1: which filters match the new ticket (its facts are gathered only when some filter applies). */
export async function evaluateFilters(
  ctx: Context,
  em: EntityManager,
  source: TicketSource,
  factsOf: () => Promise<TicketFacts>,
  options: EvaluateOptions,
): Promise<FilterRun<TicketFilter>> {
  const filters = (await activeFilters(em, options.record)).filter((f) => appliesTo(f, source));
  if (filters.length === 0) return { verdicts: [], rejectedBy: null };
  const facts = await factsOf();
  const plan = planRegexTests(filters, facts);
  const outcomes = await ctx.services.regex.run(plan.batch);
  const run = runFilters(filters, facts, plan, outcomes);
  const timedOut = run.verdicts.filter((v) => v.timedOut).map((v) => v.filter);
  if (timedOut.length > 0) {
    for (const filter of timedOut) {
      const tests = plan.testOf[filters.indexOf(filter)]!;
      const rules = tests.flatMap((test, rule) => (test >= 0 && outcomes[test] !== 'match' && outcomes[test] !== 'nomatch' ? [{ rule, outcome: outcomes[test] }] : []));
      ctx.log.warn(
        { filterId: toGlobalId('TicketFilter', filter.id), filter: filter.name, rules, boundMs: ctx.services.regex.timeoutMs, dryRun: !options.record },
        'ticket filter regex ran out of time: the filter did not match',
      );
    }
    if (options.record) {
      // Its own statement, outside the intake transaction: counted even when the ticket is then refused.
      await em.getConnection().execute(
        `update ticket_filter set timeout_count = timeout_count + 1, last_timeout_at = ? where id in (${timedOut.map(() => '?').join(',')})`,
        [new Date(), ...timedOut.map((f) => f.id)],
      );
      // raw SQL: the cached filters' counters are dropped here (other processes read them fresh from the table when shown)
      referenceCache(em).invalidate([TicketFilter.name]);
    }
  }
  return run;
}

/** The ticket's fields as intake sets them. */
export interface TicketPlan {
  department: Department;
  priority: Priority;
  slaPlan: SlaPlan | null;
  /** True when the plan came from the department or the desk default (a transfer re-applies those). */
  slaPlanInherited: boolean;
  status: TicketStatus;
  helpTopic: HelpTopic | null;
  assignee: Agent | null;
  team: Team | null;
  /** End users the filters add as CC collaborators. */
  collaborators: { email: string; name: string | null }[];
  /** The canned response to post as the first RESPONSE (usable in the ticket's department), and the filter entry that chose it. */
  autoReply: CannedResponse | null;
  autoReplyBy: AppliedFilter | null;
  /** One per matched filter, for its FILTER_APPLIED event. */
  applied: AppliedFilter[];
}

export interface AppliedFilter {
  filter: TicketFilter;
  stoppedRun: boolean;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** Actions that could not run: what they named is gone or no longer usable. */
  skipped: { action: string; reason: string }[];
}

/** What the caller chose, before filters and defaults. */
export interface DraftStart {
  department: Department | null;
  helpTopic: HelpTopic | null;
  priority: Priority | null;
}

/** The department a new ticket gets without filters: the caller's, its help topic's, or the default. */
export async function callerDepartment(em: EntityManager, start: DraftStart): Promise<Department> {
  if (start.department) return start.department;
  const viaTopic = start.helpTopic?.department ? await refById(em, Department, start.helpTopic.department.id) : null;
  return viaTopic ?? defaultDepartment(em);
}

async function defaultDepartment(em: EntityManager): Promise<Department> {
  const [department] = await refWhere(em, Department, (d) => d.isDefault === true);
  if (!department) throw new Error('no default department');
  return department;
}

async function defaultPriority(em: EntityManager): Promise<Priority> {
  const [priority] = await refWhere(em, Priority, (p) => p.isDefault === true);
  if (!priority) throw new Error('no default priority');
  return priority;
}

/** Step 2: the matched filters' actions in order, then the defaults. */
export async function planTicket(em: EntityManager, start: DraftStart, run: FilterRun<TicketFilter>): Promise<TicketPlan> {
  let department = start.department;
  let helpTopic = start.helpTopic;
  let priority = start.priority;
  let slaPlan: SlaPlan | null = null;
  let status: TicketStatus | null = null;
  let assignee: Agent | null = null;
  let team: Team | null = null;
  const collaborators: TicketPlan['collaborators'] = [];
  const applied: AppliedFilter[] = [];
  // Every filter's usable choice, in order: the last one usable in the ticket's final department wins.
  const replies: { canned: CannedResponse; by: AppliedFilter }[] = [];

  for (const verdict of run.verdicts) {
    if (!verdict.matched) continue;
    const a = verdict.filter.actions;
    const entry: AppliedFilter = { filter: verdict.filter, stoppedRun: verdict.stoppedRun, before: {}, after: {}, skipped: [] };
    const change = (key: string, from: { id: number } | null, to: { id: number }) => {
      if (from?.id === to.id) return;
      entry.before[key] = from?.id ?? null;
      entry.after[key] = to.id;
    };
    const gone = (action: string, what: string) => entry.skipped.push({ action, reason: `${what} no longer exists` });
    if (a.departmentId !== undefined) {
      const d = await refById(em, Department, a.departmentId);
      if (!d) gone('departmentId', 'The department');
      else {
        change('departmentId', department, d);
        department = d;
      }
    }
    if (a.priorityId !== undefined) {
      const p = await refById(em, Priority, a.priorityId);
      if (!p) gone('priorityId', 'The priority');
      else {
        change('priorityId', priority, p);
        priority = p;
      }
    }
    if (a.slaPlanId !== undefined) {
      const s = await loadSlaPlan(em, a.slaPlanId);
      if (!s) gone('slaPlanId', 'The SLA plan');
      else if (!s.isActive) entry.skipped.push({ action: 'slaPlanId', reason: 'The SLA plan is inactive' });
      else {
        change('slaPlanId', slaPlan, s);
        slaPlan = s;
      }
    }
    if (a.statusId !== undefined) {
      const s = await refById(em, TicketStatus, a.statusId);
      if (!s) gone('statusId', 'The status');
      else if (!isLive(s.state)) entry.skipped.push({ action: 'statusId', reason: 'New tickets may only get an open or closed status' });
      else {
        change('statusId', status, s);
        status = s;
      }
    }
    if (a.helpTopicId !== undefined) {
      const h = await refById(em, HelpTopic, a.helpTopicId);
      if (!h) gone('helpTopicId', 'The help topic');
      else if (!h.isActive) entry.skipped.push({ action: 'helpTopicId', reason: 'The help topic is inactive' });
      else {
        change('helpTopicId', helpTopic, h);
        helpTopic = h;
      }
    }
    if (a.assignAgentId !== undefined) {
      const ag = await em.findOne(Agent, a.assignAgentId);
      if (!ag) gone('assignAgentId', 'The agent');
      else if (!ag.isActive) entry.skipped.push({ action: 'assignAgentId', reason: 'The agent is inactive' });
      else {
        change('assigneeId', assignee, ag);
        assignee = ag;
      }
    }
    if (a.assignTeamId !== undefined) {
      const tm = await em.findOne(Team, a.assignTeamId);
      if (!tm) gone('assignTeamId', 'The team');
      else {
        change('teamId', team, tm);
        team = tm;
      }
    }
    if (a.autoReplyCannedResponseId !== undefined) {
      const c = await em.findOne(CannedResponse, a.autoReplyCannedResponseId);
      const unknown = c ? unknownVariables(c.body) : [];
      if (!c) gone('autoReplyCannedResponseId', 'The canned response');
      else if (!c.isEnabled) entry.skipped.push({ action: 'autoReplyCannedResponseId', reason: 'The canned response is disabled' });
      else if (unknown.length > 0) {
        entry.skipped.push({ action: 'autoReplyCannedResponseId', reason: unknownVariablesProblem(unknown) });
      } else {
        change('autoReplyCannedResponseId', replies.at(-1)?.canned ?? null, c);
        replies.push({ canned: c, by: entry });
      }
    }
    const adding = (a.addCollaborators ?? []).filter((p) => !collaborators.some((c) => c.email === p.email));
    if (adding.length > 0) {
      entry.before.collaborators = collaborators.map((c) => c.email);
      collaborators.push(...adding);
      entry.after.collaborators = collaborators.map((c) => c.email);
    }
    applied.push(entry);
  }

  // Help-topic defaults, then department defaults, fill what is still unset.
  const topic = helpTopic;
  department ??= topic?.department ? await refById(em, Department, topic.department.id) : null;
  department ??= await defaultDepartment(em);
  priority ??= topic?.priority ? await refById(em, Priority, topic.priority.id) : null;
  priority ??= await defaultPriority(em);
  slaPlan ??= topic?.slaPlan ? await loadSlaPlan(em, topic.slaPlan.id) : null;
  // Chosen (by a filter or the help topic) or inherited (department, then desk default): a transfer re-applies only the latter.
  const slaPlanInherited = slaPlan === null;
  slaPlan ??= await inheritedSlaPlan(em, department);
  status ??= await defaultOpenStatus(em);
  // The help topic's auto-assignment applies only when no filter assigned the ticket.
  if (!assignee && !team) {
    // a stale auto-assignment (agent since deactivated or moved) is skipped, never an intake failure
    const auto = topic?.assignAgent ? await em.findOne(Agent, topic.assignAgent.id) : null;
    assignee = auto && (await assignableIn(em, auto, department.id)) ? auto : null;
    team = topic?.assignTeam ? await em.findOne(Team, topic.assignTeam.id) : null;
  }
  // Checked against the department the ticket ends up in (a later filter or the help topic may have moved it):
  // a later choice that is not for it is skipped, and an earlier one that is stands (as with other actions).
  let autoReply: (typeof replies)[number] | null = null;
  for (const choice of [...replies].reverse()) {
    if (usableOnTicket(cannedFacts(choice.canned), department.id)) {
      autoReply = choice;
      break;
    }
    skipAutoReply(choice.by, `The canned response is not for ${department.name}, the ticket's department`);
  }
  return {
    department,
    priority,
    slaPlan,
    slaPlanInherited,
    status,
    helpTopic,
    assignee,
    team,
    collaborators,
    autoReply: autoReply?.canned ?? null,
    autoReplyBy: autoReply?.by ?? null,
    applied,
  };
}

/** Reports a filter's auto-reply as not sent: out of the change it records, into its skipped actions. */
export function skipAutoReply(entry: AppliedFilter, reason: string): void {
  delete entry.before.autoReplyCannedResponseId;
  delete entry.after.autoReplyCannedResponseId;
  entry.skipped.push({ action: 'autoReplyCannedResponseId', reason });
}

/** The FILTER_APPLIED event's data. */
export function appliedEventData(entry: AppliedFilter): Record<string, unknown> {
  return {
    filter: { id: toGlobalId('TicketFilter', entry.filter.id), name: entry.filter.name },
    before: entry.before,
    after: entry.after,
    stoppedRun: entry.stoppedRun,
    ...(entry.skipped.length > 0 ? { skipped: entry.skipped } : {}),
  };
}
