import { GraphQLError } from 'graphql';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

/** Codes of `userErrors` in mutation payloads (API.md). */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  FORBIDDEN = 'FORBIDDEN',
  CONFLICT = 'CONFLICT',
  LOCKED = 'LOCKED',
  REJECTED = 'REJECTED',
  RATE_LIMITED = 'RATE_LIMITED',
}

registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description: 'Why a mutation changed nothing.',
  valuesConfig: {
    BAD_USER_INPUT: { description: 'An input value is invalid; `field` names it.' },
    NOT_FOUND: { description: 'The object does not exist or the viewer may not see it.' },
    FORBIDDEN: { description: 'The viewer may see the object but not do this to it.' },
    CONFLICT: { description: 'The object changed since the viewer read it, or the change clashes with existing data.' },
    LOCKED: { description: 'Another agent holds the lock on the ticket.' },
    REJECTED: { description: 'A ticket filter rejected the ticket.' },
    RATE_LIMITED: { description: 'Too many attempts; try again later.' },
  },
});

@ObjectType({ description: 'A reason a mutation changed nothing.' })
export class UserError {
  @Field(() => [String], { nullable: true, description: 'Path to the input field at fault, from the `input` argument.' })
  field!: string[] | null;

  @Field(() => String)
  message!: string;

  @Field(() => ErrorCode)
  code!: ErrorCode;
}

/** A rule of the domain refused a command. Services throw it; resolvers turn it into `userErrors`. */
export class DomainError extends Error {
  readonly errors: UserError[];
  constructor(errors: UserError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'DomainError';
    this.errors = errors;
  }
}

export function userError(code: ErrorCode, message: string, field?: string | string[]): UserError {
  const path = field === undefined ? null : Array.isArray(field) ? field : field.split('.');
  return Object.assign(new UserError(), { code, message, field: path });
}

export const fail = (code: ErrorCode, message: string, field?: string | string[]): never => {
  throw new DomainError([userError(code, message, field)]);
};

export const notFound = (what: string, field?: string | string[]): never =>
  fail(ErrorCode.NOT_FOUND, `${what} not found`, field);

export const badInput = (message: string, field?: string | string[]): never =>
  fail(ErrorCode.BAD_USER_INPUT, message, field);

export const forbidden = (message = 'You are not allowed to do this'): never => fail(ErrorCode.FORBIDDEN, message);

/**
 * A policy's "no" (the modules' `*.policy.ts`): the code and message a command
 * answers with, and the input field at fault when one is (a stale `expectedVersion`).
 */
export interface Refusal {
  code: ErrorCode;
  message: string;
  field?: string;
}

/** Throws a policy's refusal as the command's answer; `field` places it where the command names the object. */
export const refuse = (refusal: Refusal, field: string | string[] | undefined = refusal.field): never => fail(refusal.code, refusal.message, field);

/** Collects several input problems, then throws them together. */
export class Problems {
  private readonly list: UserError[] = [];
  add(code: ErrorCode, message: string, field?: string | string[]): void {
    this.list.push(userError(code, message, field));
  }
  hasAny(): boolean {
    return this.list.length > 0;
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw new DomainError(this.list);
  }
}

export interface Payload {
  userErrors: UserError[];
}

/**
 * Runs a mutation's command and shapes its payload: the command's result with
 * no userErrors, or only the userErrors when a domain rule refused it (the
 * command's transaction has rolled back by then).
 */
export async function payload<T extends object>(command: () => Promise<T>): Promise<T & Payload> {
  try {
    const result = await command();
    return { ...result, userErrors: [] };
  } catch (error) {
    if (error instanceof DomainError) return { userErrors: error.errors } as unknown as T & Payload;
    throw error;
  }
}

/** Top-level error codes (API.md), besides Apollo's own request errors. */
export type TopLevelCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'QUERY_TOO_COMPLEX'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

export function topLevelError(code: TopLevelCode, message: string, httpStatus?: number): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code, ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}

export const unauthenticated = (message = 'Authentication required', httpStatus?: number) =>
  topLevelError('UNAUTHENTICATED', message, httpStatus);
