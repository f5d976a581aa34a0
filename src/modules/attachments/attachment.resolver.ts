import { FieldResolver, Resolver, Root } from 'type-graphql';
import { globalIdOf } from '../../common/node';
import { Attachment } from './attachment.entity';
import { AttachmentType } from './attachment.type';

@Resolver(() => AttachmentType)
export class AttachmentResolver {
  @FieldResolver(() => String, { description: 'Download path on this server; send the same Authorization header.' })
  url(@Root() a: Attachment): string {
    return `/attachments/${globalIdOf(a)}`;
  }
}
