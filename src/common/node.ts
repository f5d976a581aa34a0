import { Field, FieldResolver, ID, InterfaceType, Resolver, Root } from 'type-graphql';
import type { Context } from './context';
import { toGlobalId } from './global-id';

type EntityClass = abstract new (...args: never[]) => object;

interface NodeKind {
  typeName: string;
  entity: EntityClass;
  /** Loads the object by key if the viewer may see it; null otherwise. */
  load(ctx: Context, key: number): Promise<object | null>;
  /** For types with word keys too (system queues). */
  loadWord?(ctx: Context, key: string): Promise<object | null>;
}

const byTypeName = new Map<string, NodeKind>();
const byEntity = new Map<EntityClass, NodeKind>();

/** Makes an entity reachable through `node(id:)` and gives it its GraphQL type name. */
export function registerNode(kind: NodeKind): void {
  byTypeName.set(kind.typeName, kind);
  byEntity.set(kind.entity, kind);
}

/**
 * Gives a read-only shape of a node (a row a list maps straight from SQL,
 * not an entity) the GraphQL type name of its entity, for `id` and for
 * interfaces' `resolveType`; `node(id:)` still loads through the entity's kind.
 */
export function registerReadShape(shape: EntityClass, typeName: string): void {
  byEntity.set(shape, { typeName, entity: shape, load: () => Promise.resolve(null) });
}

export function nodeKind(typeName: string): NodeKind | undefined {
  return byTypeName.get(typeName);
}

/** The GraphQL type name an entity class is registered under; null for a class that is not a node type. */
export function typeNameOfClass(entity: abstract new (...args: never[]) => object): string | null {
  return byEntity.get(entity)?.typeName ?? null;
}

/** The GraphQL type name of an entity instance. */
export function typeNameOf(value: object): string {
  let proto = Object.getPrototypeOf(value) as object | null;
  while (proto) {
    const kind = byEntity.get(proto.constructor as EntityClass);
    if (kind) return kind.typeName;
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  throw new Error(`No GraphQL node type is registered for ${value.constructor.name}`);
}

export function globalIdOf(value: { id: number | string }): string {
  return toGlobalId(typeNameOf(value), value.id);
}

@InterfaceType('Node', {
  description: 'An object with an opaque global id, fetchable with `node(id:)`.',
  resolveType: (value: object) => typeNameOf(value),
})
export abstract class NodeInterface {
  @Field(() => ID, { description: 'Opaque global id.' })
  id!: string;
}

@InterfaceType('Actor', {
  description: 'Someone who does things: an agent or an end user.',
  resolveType: (value: object) => typeNameOf(value),
})
export abstract class ActorInterface {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

/** Every Node's `id` is its global id, computed from the entity's type and key. */
@Resolver(() => NodeInterface)
export class NodeIdResolver {
  @FieldResolver(() => ID)
  id(@Root() root: { id: number | string }): string {
    return globalIdOf(root);
  }
}

@Resolver(() => ActorInterface)
export class ActorIdResolver {
  @FieldResolver(() => ID)
  id(@Root() root: { id: number | string }): string {
    return globalIdOf(root);
  }
}

export type { Context };
