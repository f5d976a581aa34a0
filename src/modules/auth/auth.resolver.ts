import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import type { Context } from '../../common/context';
import { payload } from '../../common/errors';
import { ActorInterface, registerNode } from '../../common/node';
import { AgentType } from '../directory/directory.type';
import { AuthToken, TokenKind } from './auth-token.entity';
import * as auth from './auth.service';
import {
  ApiKeyType,
  ChangePasswordInput,
  CreateApiKeyInput,
  CreateApiKeyPayload,
  LoginInput,
  LoginPayload,
  LogoutPayload,
  RevokeApiKeyInput,
  RevokeApiKeyPayload,
} from './auth.type';

registerNode({
  typeName: 'ApiKey',
  entity: AuthToken,
  load: async (ctx, key) =>
    ctx.viewer?.kind === 'agent' && ctx.viewer.agent.isAdmin
      ? ctx.em.findOne(AuthToken, { id: key, kind: TokenKind.API_KEY })
      : null,
});

@Resolver()
export class AuthResolver {
  @Query(() => ActorInterface, { nullable: true, description: 'Who is asking; null when anonymous.' })
  @Access('anyone')
  viewer(@Ctx() ctx: Context): object | null {
    const v = ctx.viewer;
    return v === null ? null : v.kind === 'agent' ? v.agent : v.user;
  }

  @Mutation(() => LoginPayload, { description: 'Logs in with email and password and returns a new bearer token.' })
  @Access('anyone')
  login(@Arg('input', () => LoginInput) input: LoginInput, @Ctx() ctx: Context): Promise<LoginPayload> {
    return payload(() => auth.login(ctx, input.email, input.password));
  }

  @Mutation(() => LogoutPayload, { description: 'Revokes the token this request was made with.' })
  @Access('authenticated')
  async logout(@Ctx() ctx: Context): Promise<LogoutPayload> {
    return payload(async () => {
      await auth.logout(ctx);
      return { loggedOut: true };
    });
  }

  @Mutation(() => LoginPayload, { description: 'Changes your password, signs you out everywhere else and returns a new token.' })
  @Access('authenticated')
  changePassword(@Arg('input', () => ChangePasswordInput) input: ChangePasswordInput, @Ctx() ctx: Context): Promise<LoginPayload> {
    return payload(() => auth.changePassword(ctx, input.currentPassword, input.newPassword));
  }

  @Query(() => [ApiKeyType], { description: 'Every API key, newest first (admins only).' })
  @Access('admin')
  apiKeys(@Ctx() ctx: Context): Promise<AuthToken[]> {
    return ctx.em.find(AuthToken, { kind: TokenKind.API_KEY }, { orderBy: { id: 'desc' } });
  }

  @Mutation(() => CreateApiKeyPayload, { description: 'Creates an API key acting as an agent; the secret is returned once.' })
  @Access('admin')
  createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: Context): Promise<CreateApiKeyPayload> {
    return payload(() => auth.createApiKey(ctx, input));
  }

  @Mutation(() => RevokeApiKeyPayload)
  @Access('admin')
  revokeApiKey(@Arg('input', () => RevokeApiKeyInput) input: RevokeApiKeyInput, @Ctx() ctx: Context): Promise<RevokeApiKeyPayload> {
    return payload(async () => ({ apiKey: await auth.revokeApiKey(ctx, input.apiKeyId) }));
  }
}

@Resolver(() => ApiKeyType)
export class ApiKeyResolver {
  @FieldResolver(() => AgentType)
  agent(@Root() key: AuthToken): Promise<object> {
    return key.agent!.load() as Promise<object>;
  }
}

