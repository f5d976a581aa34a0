import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../common/context';
import { attachmentPath } from '../../common/html';
import { DateTimeScalar } from '../../common/scalars';
import { linkExpiry, signedPath } from './signed-url';
import { globalIdOf, registerNode } from '../../common/node';
import { Attachment } from './attachment.entity';
import { visibleAttachment } from './attachment.policy';
import { AttachmentType } from './attachment.type';

// `node(id:)` sees an attachment exactly when its download route would serve it.
registerNode({ typeName: 'Attachment', entity: Attachment, load: (ctx, key) => visibleAttachment(ctx, key) });

@Resolver(() => AttachmentType)
export class AttachmentResolver {
  @FieldResolver(() => String, { description: 'Download path on this server; send the same Authorization header.' })
  url(@Root() a: Attachment): string {
    return attachmentPath(globalIdOf(a));
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'A signed download path that needs no Authorization header (for `<img>` tags and plain links), valid until `downloadUrlExpiresAt` (an hour or more): whoever holds it can fetch the file until then.',
  })
  downloadUrl(@Root() a: Attachment, @Ctx() ctx: Context): string | null {
    return signedPath(ctx, globalIdOf(a));
  }

  @FieldResolver(() => DateTimeScalar, { nullable: true, description: 'When `downloadUrl` stops working; fetch the field again for a fresh one.' })
  downloadUrlExpiresAt(@Ctx() ctx: Context): Date | null {
    const expires = linkExpiry(ctx);
    return expires === null ? null : new Date(expires * 1000);
  }
}
