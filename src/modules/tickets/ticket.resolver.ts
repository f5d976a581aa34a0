import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Field } from 'type-graphql';
import { Access } from '../../common/access';
import { keysetPage, PageArgs, type ConnectionShape } from '../../common/connection';
import { readFromReferenceCache, related, relatedOrFail, type ReadOf, type MaybePromise } from '../../common/loaders';
import type { Context } from '../../common/context';
import { payload, topLevelError } from '../../common/errors';
import { registerNode } from '../../common/node';
import { payloadType } from '../../common/payloads';
import { AgentType, DepartmentType, EndUserType, TeamType } from '../directory/directory.type';
import { Agent } from '../directory/agent.entity';
import { Department } from '../directory/department.entity';
import { EndUser } from '../directory/end-user.entity';
import { Team } from '../directory/team.entity';
import { TicketEvent } from '../events/ticket-event.entity';
import { TicketEventConnection } from '../events/ticket-event.type';
import { SlaPlanType } from '../sla/sla.type';
import { SlaPlan } from '../sla/sla-plan.entity';
import { ThreadEntry, ThreadEntryType } from '../threads/thread-entry.entity';
import { seesEntryType } from '../threads/thread.policy';
import { ThreadEntryConnection } from '../threads/thread.type';
import * as assignment from './assignment.service';
import { Collaborator } from './collaborator.entity';
import { listsCollaborator, seesCollaborator } from './collaborator.policy';
import * as collaborators from './collaborator.service';
import { HelpTopic } from './help-topic.entity';
import * as intake from './intake.service';
import { Priority } from './priority.entity';
import { PriorityType, TicketStatusType } from './reference.type';
import { Ticket } from './ticket.entity';
import * as locks from './lock.service';
import * as status from './status.service';
import {
  AddCollaboratorsInput,
  AssignTicketInput,
  MarkTicketAnsweredInput,
  OpenTicketInput,
  RemoveCollaboratorInput,
  SetTicketStatusInput,
  TicketOrder,
  TicketRefInput,
  TicketSearch,
  TransferTicketInput,
  UpdateTicketInput,
} from './ticket.inputs';
import { collaboratorsLoader, snapshotLoader } from './ticket.loaders';
import type { TicketRead } from './ticket.read';
import { heldLock, lockOf, principalNow, principalOf, ticketHere, viewerCan, type TicketAbilities } from './ticket.policy';
import { isOverdue } from './ticket-predicate';
import { searchPredicate, ticketById, ticketByNumber, ticketPage } from './ticket.query';
import * as tickets from './ticket.service';
import { TicketStatus } from './ticket-status.entity';
import {
  CollaboratorType,
  HelpTopicType,
  TicketConnection,
  TicketLockType,
  TicketPermissionsType,
  TicketType,
} from './ticket.type';

const OpenTicketPayload = payloadType('OpenTicketPayload', 'ticket', TicketType);

Field(() => String, { nullable: true, description: 'For an anonymous caller: a bearer token scoped to this ticket and its owner.' })(OpenTicketPayload.prototype, 'accessToken');
const AssignTicketPayload = payloadType('AssignTicketPayload', 'ticket', TicketType);
const TransferTicketPayload = payloadType('TransferTicketPayload', 'ticket', TicketType);
const UpdateTicketPayload = payloadType('UpdateTicketPayload', 'ticket', TicketType);
const CollaboratorsPayload = payloadType('CollaboratorsPayload', 'ticket', TicketType);
const SetTicketStatusPayload = payloadType('SetTicketStatusPayload', 'tickets', [TicketType]);
const LockTicketPayload = payloadType('LockTicketPayload', 'lock', TicketLockType);
Field(() => TicketType, { nullable: true })(LockTicketPayload.prototype, 'ticket');

type Result = Promise<object>;

/** The viewer's lock view: `{ agent, expiresAt }` while held. */
const lockNow = (t: TicketRead) => heldLock(lockOf(t), new Date());

const agentsOnly = (ctx: Context) => {
  if (ctx.viewer?.kind !== 'agent') throw topLevelError('FORBIDDEN', 'Only agents may read this field');
};

readFromReferenceCache(HelpTopic);
registerNode({ typeName: 'Ticket', entity: Ticket, load: (ctx, key) => ticketById(ctx, key) });
registerNode({
  typeName: 'HelpTopic',
  entity: HelpTopic,
  load: async (ctx, key) => (ctx.viewer ? ctx.em.findOne(HelpTopic, key) : null),
});
registerNode({
  typeName: 'Collaborator',
  entity: Collaborator,
  load: async (ctx, key) => {
    const c = await ctx.em.findOne(Collaborator, key);
    if (!c || !(await ticketById(ctx, c.ticket.id))) return null;
    return seesCollaborator(ctx.viewer, c) ? c : null;
  },
});

@Resolver()
export class TicketRootResolver {
  @Query(() => TicketType, { nullable: true, description: 'A ticket by number; null when absent or not visible.' })
  @Access('authenticated')
  ticket(@Arg('number', () => String) number: string, @Ctx() ctx: Context): Promise<TicketRead | null> {
    return ticketByNumber(ctx, number);
  }

  @Query(() => TicketConnection, { description: 'Tickets the viewer can see, filtered and sorted (newest first by default).' })
  @Access('authenticated')
  async tickets(
    @Args(() => PageArgs) args: PageArgs,
    @Arg('search', () => TicketSearch, { nullable: true }) search: TicketSearch | null,
    @Arg('orderBy', () => TicketOrder, { nullable: true }) orderBy: TicketOrder | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<ConnectionShape<TicketRead>> {
    return ticketPage(ctx, await searchPredicate(ctx, search), args, orderBy, info);
  }

  @Query(() => [HelpTopicType], { description: 'Active help topics (agents also see inactive ones), by name.' })
  @Access('anyone')
  helpTopics(@Ctx() ctx: Context): Promise<HelpTopic[]> {
    return ctx.em.find(HelpTopic, ctx.viewer?.kind === 'agent' ? {} : { isActive: true }, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Mutation(() => OpenTicketPayload, { description: 'Opens a ticket: for yourself (end user), anonymously (owner required; returns an access token), or on behalf of someone (agent).' })
  @Access('anyone')
  openTicket(@Arg('input', () => OpenTicketInput) input: OpenTicketInput, @Ctx() ctx: Context): Result {
    return payload(() => intake.openTicket(ctx, input));
  }

  @Mutation(() => AssignTicketPayload)
  @Access('agent')
  assignTicket(@Arg('input', () => AssignTicketInput) input: AssignTicketInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await assignment.assignTicket(ctx, input) }));
  }

  @Mutation(() => AssignTicketPayload, { description: 'Assigns the ticket to yourself; CONFLICT when another agent has it.' })
  @Access('agent')
  claimTicket(@Arg('input', () => TicketRefInput) input: TicketRefInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await assignment.claimTicket(ctx, input.ticketId) }));
  }

  @Mutation(() => AssignTicketPayload, { description: 'Removes the agent and team assignment.' })
  @Access('agent')
  releaseTicket(@Arg('input', () => TicketRefInput) input: TicketRefInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await assignment.releaseTicket(ctx, input.ticketId) }));
  }

  @Mutation(() => TransferTicketPayload)
  @Access('agent')
  transferTicket(@Arg('input', () => TransferTicketInput) input: TransferTicketInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await assignment.transferTicket(ctx, input) }));
  }

  @Mutation(() => SetTicketStatusPayload, { description: 'Moves tickets to a status, all or nothing.' })
  @Access('agent')
  setTicketStatus(@Arg('input', () => SetTicketStatusInput) input: SetTicketStatusInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ tickets: await status.setTicketStatus(ctx, input) }));
  }

  @Mutation(() => UpdateTicketPayload)
  @Access('agent')
  updateTicket(@Arg('input', () => UpdateTicketInput) input: UpdateTicketInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await tickets.updateTicket(ctx, input) }));
  }

  @Mutation(() => UpdateTicketPayload, { description: 'Sets or clears the answered flag by hand.' })
  @Access('agent')
  markTicketAnswered(@Arg('input', () => MarkTicketAnsweredInput) input: MarkTicketAnsweredInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await tickets.markTicketAnswered(ctx, input) }));
  }

  @Mutation(() => CollaboratorsPayload)
  @Access('agent')
  addCollaborators(@Arg('input', () => AddCollaboratorsInput) input: AddCollaboratorsInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await collaborators.addCollaborators(ctx, input) }));
  }

  @Mutation(() => CollaboratorsPayload, { description: 'Deactivates a collaborator; their past entries stay.' })
  @Access('agent')
  removeCollaborator(@Arg('input', () => RemoveCollaboratorInput) input: RemoveCollaboratorInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await collaborators.removeCollaborator(ctx, input.collaboratorId) }));
  }

  @Mutation(() => LockTicketPayload, { description: 'Takes (or renews) the lock; LOCKED when another agent holds it.' })
  @Access('agent')
  lockTicket(@Arg('input', () => TicketRefInput) input: TicketRefInput, @Ctx() ctx: Context): Result {
    return payload(async () => {
      const ticket = await locks.lockTicket(ctx, input.ticketId);
      return { ticket, lock: lockNow(ticket) };
    });
  }

  @Mutation(() => LockTicketPayload, { description: 'Releases your lock (admins may release anyone’s).' })
  @Access('agent')
  unlockTicket(@Arg('input', () => TicketRefInput) input: TicketRefInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ ticket: await locks.unlockTicket(ctx, input.ticketId), lock: null }));
  }
}

@Resolver(() => TicketType)
export class TicketFieldsResolver {
  @FieldResolver(() => TicketStatusType)
  status(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<TicketStatus>> {
    return relatedOrFail(ctx, TicketStatus, t.status);
  }

  @FieldResolver(() => PriorityType)
  priority(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<Priority>> {
    return relatedOrFail(ctx, Priority, t.priority);
  }

  @FieldResolver(() => DepartmentType)
  department(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<Department>> {
    return relatedOrFail(ctx, Department, t.department);
  }

  @FieldResolver(() => HelpTopicType, { nullable: true })
  helpTopic(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<HelpTopic> | null> {
    return related(ctx, HelpTopic, t.helpTopic);
  }

  @FieldResolver(() => SlaPlanType, { nullable: true })
  slaPlan(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<SlaPlan> | null> {
    return related(ctx, SlaPlan, t.slaPlan);
  }

  @FieldResolver(() => EndUserType)
  owner(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<EndUser>> {
    return relatedOrFail(ctx, EndUser, t.owner);
  }

  @FieldResolver(() => AgentType, { nullable: true })
  assignee(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<Agent> | null> {
    return related(ctx, Agent, t.assignee);
  }

  @FieldResolver(() => TeamType, { nullable: true })
  team(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<Team> | null> {
    return related(ctx, Team, t.team);
  }

  @FieldResolver(() => Boolean, { description: 'Open and past its due date, right now.' })
  isOverdue(@Root() t: TicketRead): boolean {
    return isOverdue(t);
  }

  @FieldResolver(() => [CollaboratorType], { description: 'End users see active CC collaborators and themselves, never others on BCC.' })
  collaborators(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<ReadOf<Collaborator>[]> {
    const visible = (list: ReadOf<Collaborator>[]) => list.filter((c) => listsCollaborator(ctx.viewer, c));
    const loader = collaboratorsLoader(ctx);
    const loaded = loader.now(t.id);
    return loaded ? visible(loaded) : loader.load(t.id).then(visible);
  }

  @FieldResolver(() => ThreadEntryConnection, { description: 'Oldest first. End users never see notes.' })
  thread(
    @Root() t: TicketRead,
    @Args(() => PageArgs) args: PageArgs,
    @Arg('types', () => [ThreadEntryType], { nullable: true }) types: ThreadEntryType[] | null,
    @Ctx() ctx: Context,
  ): Promise<ConnectionShape<ThreadEntry>> {
    const allowed = (types ?? Object.values(ThreadEntryType)).filter((type) => seesEntryType(ctx.viewer, type));
    return keysetPage(ctx.em, ThreadEntry, { ticket: t.id, type: { $in: allowed } }, args);
  }

  @FieldResolver(() => TicketEventConnection, { nullable: true, description: 'The audit log, oldest first (agents only).' })
  events(@Root() t: TicketRead, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<TicketEvent>> {
    agentsOnly(ctx);
    return keysetPage(ctx.em, TicketEvent, { ticket: t.id }, args);
  }

  @FieldResolver(() => TicketLockType, { nullable: true, description: 'Who is working on it (agents only); null when unlocked.' })
  lock(@Root() t: TicketRead, @Ctx() ctx: Context): { agentId: number; expiresAt: Date } | null {
    agentsOnly(ctx);
    return lockNow(t);
  }

  @FieldResolver(() => TicketPermissionsType)
  viewerCan(@Root() t: TicketRead, @Ctx() ctx: Context): MaybePromise<TicketAbilities> {
    const principal = principalNow(ctx);
    const snapshot = snapshotLoader(ctx).now(t);
    if (principal && snapshot) return viewerCan(principal, ticketHere(t, snapshot, new Date()));
    return Promise.all([principalOf(ctx), snapshotLoader(ctx).load(t)]).then(([p, s]) => viewerCan(p, ticketHere(t, s, new Date())));
  }
}

@Resolver(() => TicketLockType)
export class TicketLockResolver {
  @FieldResolver(() => AgentType)
  agent(@Root() lock: { agentId: number }, @Ctx() ctx: Context): Promise<ReadOf<Agent>> {
    return ctx.em.findOneOrFail('Agent', lock.agentId);
  }
}

@Resolver(() => CollaboratorType)
export class CollaboratorResolver {
  @FieldResolver(() => EndUserType)
  user(@Root() c: ReadOf<Collaborator>, @Ctx() ctx: Context): MaybePromise<ReadOf<EndUser>> {
    return relatedOrFail(ctx, EndUser, c.user);
  }
}

