import { Field, ID, ObjectType, type ClassType } from 'type-graphql';
import { UserError } from './errors';

/** Declares a mutation payload `{ <field>: <type> userErrors }`. */
export function payloadType(name: string, field: string, type: ClassType | object, description?: string): ClassType {
  @ObjectType(name, description ? { description } : {})
  class Payload {
    @Field(() => [UserError])
    userErrors!: UserError[];
  }
  Field(() => type, { nullable: true })(Payload.prototype, field);
  return Payload;
}

@ObjectType({ description: 'The result of a delete mutation.' })
export class DeletePayload {
  @Field(() => ID, { nullable: true, description: 'The id of the deleted object.' })
  deletedId?: string | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}
