import type { GraphQLSchema } from 'graphql';
import { Extensions, UseMiddleware, type MiddlewareFn } from 'type-graphql';
import type { Context } from './context';
import { ErrorCode, topLevelError, unauthenticated, userError } from './errors';

/**
 * Who may call a root field. Every Query, Mutation and Subscription field
 * declares one through `@Access`; the schema refuses to build otherwise.
 *
 * - `anyone`: no login needed (login, openTicket, viewer).
 * - `authenticated`: any logged-in agent or end user.
 * - `agent`: any active agent.
 * - `admin`: agents with `isAdmin`.
 * - `endUser`: logged-in end users.
 */
export type AccessRule = 'anyone' | 'authenticated' | 'agent' | 'admin' | 'endUser';

export const ACCESS_EXTENSION = 'access';

export function allows(rule: AccessRule, ctx: Context): boolean {
  const v = ctx.viewer;
  switch (rule) {
    case 'anyone':
      return true;
    case 'authenticated':
      return v !== null;
    case 'agent':
      return v?.kind === 'agent';
    case 'admin':
      return v?.kind === 'agent' && v.agent.isAdmin;
    case 'endUser':
      return v?.kind === 'endUser';
  }
}

function guard(rule: AccessRule): MiddlewareFn<Context> {
  return async ({ context, info }, next) => {
    if (allows(rule, context)) return next() as Promise<unknown>;
    if (context.viewer === null) throw unauthenticated();
    const message = rule === 'admin' ? 'Only administrators may do this' : 'You are not allowed to do this';
    // A mutation answers with its payload's userErrors (every other payload field is nullable);
    // a query or subscription answers with a top-level error at its path.
    if (info.parentType.name === 'Mutation') return { userErrors: [userError(ErrorCode.FORBIDDEN, message)] };
    throw topLevelError('FORBIDDEN', message);
  };
}

/** Declares and enforces who may call a root field. */
export function Access(rule: AccessRule): MethodDecorator {
  return (target, key, descriptor) => {
    Extensions({ [ACCESS_EXTENSION]: rule })(target, key, descriptor);
    if (rule !== 'anyone') UseMiddleware(guard(rule))(target, key, descriptor);
  };
}

/** Root fields that declare no access rule (deny by default: the server will not start with any). */
export function undeclaredRootFields(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      const rule = field.extensions?.[ACCESS_EXTENSION];
      if (typeof rule !== 'string') missing.push(`${root.name}.${field.name}`);
    }
  }
  return missing;
}
