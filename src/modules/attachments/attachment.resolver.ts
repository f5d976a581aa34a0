import { FieldResolver, Resolver, Root } from 'type-graphql';
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
    return `/attachments/${globalIdOf(a)}`;
  }
}
