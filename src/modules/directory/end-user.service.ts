import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { ref } from '@mikro-orm/core';
import { checkUnique, command } from '../../common/command';
import type { Context } from '../../common/context';
import { Problems } from '../../common/errors';
import { entityColumns } from '../../common/columns';
import { lookup } from '../../common/lookup';
import { cleanEmail, cleanName } from '../../common/validate';
import { revokeAllTokensOf } from '../auth/auth.service';
import { checkPassword, hashPassword } from '../auth/password';
import type { CreateEndUserInput, CreateOrganizationInput, UpdateEndUserInput, UpdateOrganizationInput } from './directory.inputs';
import { EndUser } from './end-user.entity';
import { Organization } from './organization.entity';

// Organizations and end users: the admin commands (one transaction each; every
// input problem reported at once; nothing written when any is found), and the
// find-or-create that intake and collaborators use.

export function createOrganization(ctx: Context, input: CreateOrganizationInput): Promise<Organization> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name', 200);
    await checkUnique(em, problems, Organization, 'name', name);
    problems.throwIfAny();
    const org = em.create(Organization, { name, sharesTickets: input.sharesTickets ?? false });
    await em.flush();
    return org;
  });
}

export function updateOrganization(ctx: Context, input: UpdateOrganizationInput): Promise<Organization> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const org = await lookup(em, Organization, 'Organization', input.organizationId, 'organizationId', problems);
    problems.throwIfAny();
    const o = org!;
    if (input.name != null) {
      o.name = cleanName(problems, input.name, 'name', 200);
      await checkUnique(em, problems, Organization, 'name', o.name, o.id);
    }
    problems.throwIfAny();
    if (input.sharesTickets != null) o.sharesTickets = input.sharesTickets;
    await em.flush();
    return o;
  });
}

export function deleteOrganization(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const org = await lookup(em, Organization, 'Organization', id, 'id', problems);
    problems.throwIfAny();
    em.remove(org!);
    await em.flush();
    return id;
  });
}

export function createEndUser(ctx: Context, input: CreateEndUserInput): Promise<EndUser> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const name = cleanName(problems, input.name, 'name', 200);
    const email = cleanEmail(problems, input.email);
    await checkUnique(em, problems, EndUser, 'email', email);
    if (input.password != null) checkPassword(problems, input.password);
    const org = input.organizationId
      ? await lookup(em, Organization, 'Organization', input.organizationId, 'organizationId', problems)
      : null;
    problems.throwIfAny();
    const user = em.create(EndUser, {
      name,
      email,
      passwordHash: input.password != null ? await hashPassword(input.password) : null,
      organization: org ? ref(org) : null,
    });
    await em.flush();
    return user;
  });
}

export function updateEndUser(ctx: Context, input: UpdateEndUserInput): Promise<EndUser> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const user = await lookup(em, EndUser, 'EndUser', input.endUserId, 'endUserId', problems);
    problems.throwIfAny();
    const u = user!;
    if (input.name != null) u.name = cleanName(problems, input.name, 'name', 200);
    if (input.email != null) {
      u.email = cleanEmail(problems, input.email);
      await checkUnique(em, problems, EndUser, 'email', u.email, u.id);
    }
    if (input.password != null) checkPassword(problems, input.password);
    if (input.organizationId !== undefined) {
      const org = input.organizationId
        ? await lookup(em, Organization, 'Organization', input.organizationId, 'organizationId', problems)
        : null;
      u.organization = org ? ref(org) : null;
    }
    problems.throwIfAny();
    let signOut = false;
    if (input.isActive != null) {
      signOut = u.isActive && !input.isActive;
      u.isActive = input.isActive;
    }
    if (input.password != null) {
      u.passwordHash = await hashPassword(input.password);
      signOut = true;
    }
    await em.flush();
    if (signOut) await revokeAllTokensOf(em, { endUserId: u.id });
    return u;
  });
}

export function deleteEndUser(ctx: Context, id: string): Promise<string> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const user = await lookup(em, EndUser, 'EndUser', id, 'id', problems);
    problems.throwIfAny();
    em.remove(user!);
    await em.flush();
    return id;
  });
}

/**
 * Finds an end user by email or creates one (intake, collaborators). Two
 * requests naming the same new person at once must not collide on the unique
 * email: the insert skips a conflict and the row is read back (on PostgreSQL
 * the second waits for the first to commit, then sees its row).
 */
export async function findOrCreateEndUser(em: SqlEntityManager, email: string, name: string | null): Promise<EndUser> {
  // One statement whether the person exists or not: the row found, else the row inserted (no
  // sequence value is spent on a person who exists). A concurrent intake that inserted the same
  // address first leaves both empty: then it is read (committed by then, the conflict waited for it).
  const columns = entityColumns(em, EndUser).map((c) => `"${c}"`).join(', ');
  const now = new Date();
  const [row] = await em.execute<Record<string, unknown>[]>(
    `with found as (select ${columns} from "end_user" where "email" = ?),
          made as (insert into "end_user" ("name", "email", "is_active", "created_at", "updated_at")
                   select ?, ?, true, ?, ? where not exists (select 1 from found)
                   on conflict ("email") do nothing returning ${columns})
     select * from found union all select * from made`,
    [email, name ?? email.split('@')[0] ?? email, email, now, now],
  );
  return row ? em.map(EndUser, row as never) : em.findOneOrFail(EndUser, { email });
}
