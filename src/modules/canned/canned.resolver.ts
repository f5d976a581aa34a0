import DataLoader from 'dataloader';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../common/access';
import { memo, type Context } from '../../common/context';
import { payload } from '../../common/errors';
import { registerNode } from '../../common/node';
import { DeletePayload, payloadType } from '../../common/payloads';
import { Attachment } from '../attachments/attachment.entity';
import { AttachmentType } from '../attachments/attachment.type';
import type { Department } from '../directory/department.entity';
import { DeleteInput } from '../directory/directory.inputs';
import { DepartmentType } from '../directory/directory.type';
import { principalOf } from '../tickets/ticket.policy';
import { CannedResponse } from './canned-response.entity';
import { CreateCannedResponseInput, UpdateCannedResponseInput } from './canned.inputs';
import { cannedFacts, decideCanned } from './canned.policy';
import * as canned from './canned.service';
import { CannedResponseType, RenderedCannedResponseType } from './canned.type';
import { renderCannedResponse, type RenderedCanned } from './canned.use';

registerNode({
  typeName: 'CannedResponse',
  entity: CannedResponse,
  load: async (ctx, key) => {
    const found = await ctx.em.findOne(CannedResponse, key);
    return found && !decideCanned(await principalOf(ctx), 'read', cannedFacts(found)) ? found : null;
  },
});

const CreateCannedResponsePayload = payloadType('CreateCannedResponsePayload', 'cannedResponse', CannedResponseType);
const UpdateCannedResponsePayload = payloadType('UpdateCannedResponsePayload', 'cannedResponse', CannedResponseType);

type Result = Promise<object>;

@Resolver()
export class CannedRootResolver {
  @Query(() => [CannedResponseType], {
    description:
      "Canned responses to use, by title: the enabled ones of `departmentId` and the all-departments ones; without it, those of the viewer's departments (every department for administrators) and the all-departments ones.",
  })
  @Access('agent')
  cannedResponses(
    @Arg('departmentId', () => ID, { nullable: true }) departmentId: string | null | undefined,
    @Arg('includeDisabled', () => Boolean, { defaultValue: false, description: 'Also the disabled ones you manage (canned.manage).' }) includeDisabled: boolean,
    @Ctx() ctx: Context,
  ): Promise<CannedResponse[]> {
    return canned.listCannedResponses(ctx, departmentId, includeDisabled);
  }

  @Query(() => RenderedCannedResponseType, {
    description: "A canned response rendered for a ticket you can see; NOT_FOUND for a disabled one, or one of another department than the ticket's.",
  })
  @Access('agent')
  renderCannedResponse(
    @Arg('cannedResponseId', () => ID) cannedResponseId: string,
    @Arg('ticketId', () => ID) ticketId: string,
    @Ctx() ctx: Context,
  ): Promise<RenderedCanned> {
    return renderCannedResponse(ctx, cannedResponseId, ticketId);
  }

  @Mutation(() => CreateCannedResponsePayload, { description: 'Administrators, and agents with canned.manage in its department.' })
  @Access('agent')
  createCannedResponse(@Arg('input', () => CreateCannedResponseInput) input: CreateCannedResponseInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ cannedResponse: await canned.createCannedResponse(ctx, input) }));
  }

  @Mutation(() => UpdateCannedResponsePayload, { description: 'Moving it to another department needs canned.manage in both.' })
  @Access('agent')
  updateCannedResponse(@Arg('input', () => UpdateCannedResponseInput) input: UpdateCannedResponseInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ cannedResponse: await canned.updateCannedResponse(ctx, input) }));
  }

  @Mutation(() => DeletePayload, { description: 'Deletes it and its attachments; replies that used it keep their copies.' })
  @Access('agent')
  deleteCannedResponse(@Arg('input', () => DeleteInput) input: DeleteInput, @Ctx() ctx: Context): Result {
    return payload(async () => ({ deletedId: await canned.deleteCannedResponse(ctx, input.id) }));
  }
}

function attachmentsLoader(ctx: Context): DataLoader<number, Attachment[]> {
  return memo(ctx, attachmentsLoader, () =>
    new DataLoader<number, Attachment[]>(async (ids) => {
      const rows = await ctx.em.find(Attachment, { cannedResponse: { $in: [...ids] } }, { orderBy: { id: 'asc' } });
      return ids.map((id) => rows.filter((a) => a.cannedResponse?.id === id));
    }),
  );
}

@Resolver(() => CannedResponseType)
export class CannedResponseFieldsResolver {
  @FieldResolver(() => DepartmentType, { nullable: true, description: 'Null: every department.' })
  async department(@Root() c: CannedResponse): Promise<Department | null> {
    return c.department ? ((await c.department.load()) ?? null) : null;
  }

  @FieldResolver(() => [AttachmentType])
  attachments(@Root() c: CannedResponse, @Ctx() ctx: Context): Promise<Attachment[]> {
    return attachmentsLoader(ctx).load(c.id);
  }

  @FieldResolver(() => Boolean, { description: 'Whether you may change or delete it.' })
  async viewerCanManage(@Root() c: CannedResponse, @Ctx() ctx: Context): Promise<boolean> {
    return !decideCanned(await principalOf(ctx), 'manage', cannedFacts(c));
  }
}
