import { ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { checkUnique, command } from '../../common/command';
import type { Context } from '../../common/context';
import { ErrorCode, fail, Problems } from '../../common/errors';
import { lookup } from '../../common/lookup';
import { cleanName } from '../../common/validate';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { Team } from '../directory/team.entity';
import { SlaPlan } from '../sla/sla-plan.entity';
import { HelpTopic } from './help-topic.entity';
import type { CreateHelpTopicInput, UpdateHelpTopicInput } from './help-topic.inputs';
import { Priority } from './priority.entity';
import { Ticket } from './ticket.entity';
import { INACTIVE_AGENT, whyNotAssignable } from './assignment.service';

// Help topics (SPEC §2, §3): admin commands, one transaction each; every input
// problem is reported at once and nothing is written when any is found.

type References = Pick<CreateHelpTopicInput, 'departmentId' | 'priorityId' | 'slaPlanId' | 'assignAgentId' | 'assignTeamId'>;

/** Applies the references present in the input (undefined: unchanged, null: cleared). */
async function applyReferences(em: EntityManager, problems: Problems, topic: HelpTopic, input: References): Promise<void> {
  if (input.departmentId !== undefined) {
    const d = input.departmentId ? await lookup(em, Department, 'Department', input.departmentId, 'departmentId', problems) : null;
    topic.department = d ? ref(d) : null;
  }
  if (input.priorityId !== undefined) {
    const p = input.priorityId ? await lookup(em, Priority, 'Priority', input.priorityId, 'priorityId', problems) : null;
    topic.priority = p ? ref(p) : null;
  }
  if (input.slaPlanId !== undefined) {
    const s = input.slaPlanId ? await lookup(em, SlaPlan, 'SlaPlan', input.slaPlanId, 'slaPlanId', problems) : null;
    topic.slaPlan = s ? ref(s) : null;
  }
  if (input.assignAgentId !== undefined) {
    const a = input.assignAgentId ? await lookup(em, Agent, 'Agent', input.assignAgentId, 'assignAgentId', problems) : null;
    topic.assignAgent = a ? ref(a) : null;
  }
  if (input.assignTeamId !== undefined) {
    const t = input.assignTeamId ? await lookup(em, Team, 'Team', input.assignTeamId, 'assignTeamId', problems) : null;
    topic.assignTeam = t ? ref(t) : null;
  }
}

/**
 * The auto-assigned agent must be able to take the topic's tickets (SPEC §1):
 * active, with access to the topic's department — the default department
 * when the topic names none.
 */
async function checkAutoAssignee(em: EntityManager, problems: Problems, topic: HelpTopic, input: References): Promise<void> {
  if (!topic.assignAgent || problems.hasAny()) return;
  const agent = await em.findOneOrFail(Agent, topic.assignAgent.id);
  const department = topic.department
    ? await em.findOneOrFail(Department, topic.department.id)
    : await em.findOneOrFail(Department, { isDefault: true });
  const field = input.assignAgentId !== undefined || input.departmentId === undefined ? 'assignAgentId' : 'departmentId';
  const why = await whyNotAssignable(em, agent, department.id);
  if (why === 'inactive') problems.add(ErrorCode.BAD_USER_INPUT, INACTIVE_AGENT, field);
  else if (why === 'noAccess') problems.add(ErrorCode.BAD_USER_INPUT, `The agent has no access to the help topic's department (${department.name})`, field);
}

export function createHelpTopic(ctx: Context, input: CreateHelpTopicInput): Promise<HelpTopic> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name');
    await checkUnique(em, problems, HelpTopic, 'name', name);
    const topic = new HelpTopic();
    topic.name = name;
    topic.isActive = input.isActive ?? true;
    await applyReferences(em, problems, topic, input);
    await checkAutoAssignee(em, problems, topic, input);
    problems.throwIfAny();
    em.persist(topic);
    await em.flush();
    return topic;
  });
}

export function updateHelpTopic(ctx: Context, input: UpdateHelpTopicInput): Promise<HelpTopic> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const found = await lookup(em, HelpTopic, 'HelpTopic', input.helpTopicId, 'helpTopicId', problems);
    problems.throwIfAny();
    const topic = found!;
    if (input.name != null) {
      const name = cleanName(problems, input.name, 'name');
      if (await checkUnique(em, problems, HelpTopic, 'name', name, topic.id)) topic.name = name;
    }
    if (input.isActive != null) topic.isActive = input.isActive;
    await applyReferences(em, problems, topic, input);
    if (input.assignAgentId !== undefined || input.departmentId !== undefined) await checkAutoAssignee(em, problems, topic, input);
    problems.throwIfAny();
    await em.flush();
    return topic;
  });
}

export function deleteHelpTopic(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const topic = await lookup(em, HelpTopic, 'HelpTopic', id, 'id', problems);
    problems.throwIfAny();
    const tickets = await em.count(Ticket, { helpTopic: topic!.id });
    if (tickets) fail(ErrorCode.CONFLICT, `${tickets} ${tickets === 1 ? 'ticket still uses' : 'tickets still use'} this help topic; deactivate it instead`, 'id');
    em.remove(topic!);
    await em.flush();
    return id;
  });
}
