import { LockMode, ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Context } from '../../common/context';
import { ErrorCode, notFound, Problems, refuse } from '../../common/errors';
import { decodeIdOf } from '../../common/global-id';
import { lookup } from '../../common/lookup';
import { inTransaction } from '../../common/tx';
import { cleanName } from '../../common/validate';
import { Attachment } from '../attachments/attachment.entity';
import { Department } from '../directory/department.entity';
import { checkBody, cleanBody, MAX_ATTACHMENTS_PER_ENTRY } from '../threads/thread.service';
import { departmentsOf, principalOf, type AgentPrincipal } from '../tickets/ticket.policy';
import { CannedResponse } from './canned-response.entity';
import { CANNED_AGENTS_ONLY, cannedFacts, decideCanned, type CannedAction, type CannedFacts } from './canned.policy';

// Canned response management (SPEC §5, `canned.manage`): one transaction per
// command; every input problem reported at once; nothing written on any.

export const MAX_TITLE_LENGTH = 200;
/** A canned response's attachments all go onto one reply, so the same limit applies. */
export const MAX_CANNED_ATTACHMENTS = MAX_ATTACHMENTS_PER_ENTRY;

export interface CannedFields {
  title?: string | null;
  body?: string | null;
  /** Null: all departments (admins only); omitted on update: unchanged. */
  departmentId?: string | null;
  isEnabled?: boolean | null;
  /** The whole set: new uploads of the viewer's, or attachments the response already has. Omitted on update: unchanged. */
  attachmentIds?: string[] | null;
}

async function agentPrincipal(ctx: Context): Promise<AgentPrincipal> {
  const p = await principalOf(ctx);
  return p.kind === 'agent' ? p : refuse(CANNED_AGENTS_ONLY);
}

/** Throws the policy's refusal when the viewer may not `action` a canned response with these facts, on `field` when given. */
function authorize(p: AgentPrincipal, action: CannedAction, facts: CannedFacts, field?: string): void {
  const refusal = decideCanned(p, action, facts);
  if (refusal) refuse(refusal, field);
}

/** The department a command targets: null for all departments; NOT_FOUND (thrown) for a bad id. */
async function targetDepartment(em: EntityManager, departmentId: string | null): Promise<Department | null> {
  if (departmentId === null) return null;
  const problems = new Problems();
  const dept = await lookup(em, Department, 'Department', departmentId, 'departmentId', problems);
  problems.throwIfAny();
  return dept;
}

/**
 * The attachments named by `ids`: each an upload of the viewer's bound to
 * nothing yet, or one `current` already owns. Anything else is NOT_FOUND.
 */
async function attachmentsFor(em: EntityManager, problems: Problems, ids: readonly string[], agentId: number, current: CannedResponse | null): Promise<Attachment[]> {
  if (ids.length > MAX_CANNED_ATTACHMENTS) {
    problems.add(ErrorCode.BAD_USER_INPUT, `At most ${MAX_CANNED_ATTACHMENTS} attachments per canned response`, 'attachmentIds');
    return [];
  }
  const found: Attachment[] = [];
  for (const [i, id] of ids.entries()) {
    const key = decodeIdOf('Attachment', id);
    // Row-locked: a concurrent bind or the unused-upload sweep waits for this transaction.
    const a = key === null ? null : await em.findOne(Attachment, key, { lockMode: LockMode.PESSIMISTIC_WRITE });
    const ownedHere = a !== null && current !== null && a.cannedResponse?.id === current.id;
    const freeUpload = a !== null && a.entry === null && a.cannedResponse === null && a.uploaderAgent?.id === agentId;
    if (a === null || !(ownedHere || freeUpload) || found.includes(a)) problems.add(ErrorCode.NOT_FOUND, 'Attachment not found', ['attachmentIds', String(i)]);
    else found.push(a);
  }
  return found;
}

function checkFields(problems: Problems, input: CannedFields): { title?: string } {
  const out: { title?: string } = {};
  if (input.title != null) out.title = cleanName(problems, input.title, 'title', MAX_TITLE_LENGTH);
  if (input.body != null) checkBody(problems, input.body, 'body');
  return out;
}

export async function createCannedResponse(ctx: Context, input: CannedFields & { title: string; body: string }): Promise<CannedResponse> {
  const p = await agentPrincipal(ctx);
  return inTransaction(ctx, async (em) => {
    const dept = await targetDepartment(em, input.departmentId ?? null);
    authorize(p, 'manage', { departmentId: dept?.id ?? null, isEnabled: input.isEnabled ?? true });
    const problems = new Problems();
    const { title } = checkFields(problems, input);
    const attachments = await attachmentsFor(em, problems, input.attachmentIds ?? [], p.agentId, null);
    problems.throwIfAny();
    const canned = em.create(CannedResponse, {
      title: title!,
      body: cleanBody(input.body).html,
      department: dept ? ref(dept) : null,
      isEnabled: input.isEnabled ?? true,
    });
    await em.flush();
    for (const a of attachments) a.cannedResponse = ref(canned);
    await em.flush();
    return canned;
  });
}

/**
 * The canned response a command changes, row-locked: NOT_FOUND when the
 * viewer may not read it, FORBIDDEN when they may read but not manage it.
 */
async function managed(em: EntityManager, p: AgentPrincipal, id: string, field: string): Promise<CannedResponse> {
  const key = decodeIdOf('CannedResponse', id);
  const canned = key === null ? null : await em.findOne(CannedResponse, key, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!canned) return notFound('Canned response', field);
  authorize(p, 'read', cannedFacts(canned), field);
  authorize(p, 'manage', cannedFacts(canned));
  return canned;
}

export async function updateCannedResponse(ctx: Context, input: CannedFields & { cannedResponseId: string }): Promise<CannedResponse> {
  const p = await agentPrincipal(ctx);
  return inTransaction(ctx, async (em) => {
    const canned = await managed(em, p, input.cannedResponseId, 'cannedResponseId');
    if (input.departmentId !== undefined) {
      const dept = await targetDepartment(em, input.departmentId);
      authorize(p, 'manage', { departmentId: dept?.id ?? null, isEnabled: canned.isEnabled });
      canned.department = dept ? ref(dept) : null;
    }
    const problems = new Problems();
    const { title } = checkFields(problems, input);
    const ids = input.attachmentIds;
    const attachments = ids != null ? await attachmentsFor(em, problems, ids, p.agentId, canned) : null;
    problems.throwIfAny();
    if (title !== undefined) canned.title = title;
    if (input.body != null) canned.body = cleanBody(input.body).html;
    if (input.isEnabled != null) canned.isEnabled = input.isEnabled;
    if (attachments) {
      const keep = attachments.map((a) => a.id);
      // Dropped ones go, their content with them (on delete cascade); replies keep their own copies.
      await em.nativeDelete(Attachment, { cannedResponse: canned.id, id: { $nin: keep } });
      for (const a of attachments) a.cannedResponse = ref(canned);
    }
    canned.updatedAt = new Date();
    await em.flush();
    return canned;
  });
}

/** Deletes a canned response and its own attachments; replies that used it keep their copies. */
export async function deleteCannedResponse(ctx: Context, id: string): Promise<string> {
  const p = await agentPrincipal(ctx);
  return inTransaction(ctx, async (em) => {
    const canned = await managed(em, p, id, 'id');
    em.remove(canned);
    await em.flush();
    return id;
  });
}

/**
 * `cannedResponses(departmentId:)`: the enabled responses of that department
 * and the all-departments ones; without a department, those of the agent's
 * own departments (every department for admins) and the all-departments
 * ones. `includeDisabled` adds the disabled ones the viewer manages there.
 */
export async function listCannedResponses(ctx: Context, departmentId: string | null | undefined, includeDisabled: boolean): Promise<CannedResponse[]> {
  const p = await principalOf(ctx);
  if (p.kind !== 'agent') return [];
  let scope: number[] | null;
  if (departmentId != null) {
    const key = decodeIdOf('Department', departmentId);
    scope = key === null ? [] : [key];
  } else {
    scope = p.isAdmin ? null : departmentsOf(p);
  }
  const where = scope === null ? {} : scope.length === 0 ? { department: null } : { $or: [{ department: null }, { department: { $in: scope } }] };
  const rows = await ctx.em.find(CannedResponse, where, { orderBy: { title: 'asc', id: 'asc' } });
  return rows.filter((c) => c.isEnabled || (includeDisabled && !decideCanned(p, 'manage', cannedFacts(c))));
}
