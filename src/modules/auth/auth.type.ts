import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { UserError } from '../../common/errors';
import { ActorInterface, NodeInterface } from '../../common/node';
import { DateTimeScalar } from '../../common/scalars';

@InputType()
export class LoginInput {
  @Field(() => String)
  email!: string;

  @Field(() => String)
  password!: string;
}

@ObjectType()
export class LoginPayload {
  @Field(() => String, { nullable: true, description: 'Send as `Authorization: Bearer <token>`.' })
  token?: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt?: Date | null;

  @Field(() => ActorInterface, { nullable: true })
  viewer?: object | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType()
export class LogoutPayload {
  @Field(() => Boolean, { nullable: true })
  loggedOut?: boolean | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType()
export class ChangePasswordInput {
  @Field(() => String)
  currentPassword!: string;

  @Field(() => String)
  newPassword!: string;
}

@ObjectType('ApiKey', { implements: NodeInterface, description: "A partner's key; requests made with it act as its agent." })
export class ApiKeyType extends NodeInterface {
  @Field(() => String)
  name!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Last use, to the minute.' })
  lastUsedAt!: Date | null;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => ID, { description: 'The agent the key acts as.' })
  agentId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DateTimeScalar, { nullable: true })
  expiresAt?: Date | null;
}

@ObjectType()
export class CreateApiKeyPayload {
  @Field(() => ApiKeyType, { nullable: true })
  apiKey?: object | null;

  @Field(() => String, { nullable: true, description: 'The key itself, shown only here.' })
  secret?: string | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@InputType()
export class RevokeApiKeyInput {
  @Field(() => ID)
  apiKeyId!: string;
}

@ObjectType()
export class RevokeApiKeyPayload {
  @Field(() => ApiKeyType, { nullable: true })
  apiKey?: object | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

