import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Access } from './access';
import type { Context } from './context';
import { topLevelError } from './errors';
import { decodeGlobalId } from './global-id';
import { NodeInterface, nodeKind } from './node';

const MAX_NODES = 100;

async function loadNode(ctx: Context, id: string): Promise<object | null> {
  const decoded = decodeGlobalId(id);
  const kind = decoded && nodeKind(decoded.type);
  if (!decoded || !kind) return null;
  if (typeof decoded.key === 'string') return kind.loadWord ? kind.loadWord(ctx, decoded.key) : null;
  return kind.load(ctx, decoded.key);
}

@Resolver()
export class NodeResolver {
  @Query(() => NodeInterface, { nullable: true, description: 'Any object by global id; null when absent or not visible.' })
  @Access('anyone')
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<object | null> {
    return loadNode(ctx, id);
  }

  @Query(() => [NodeInterface], { nullable: 'items', description: `Several objects by global id (at most ${MAX_NODES}), in the order asked.` })
  @Access('anyone')
  nodes(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: Context): Promise<(object | null)[]> {
    if (ids.length > MAX_NODES) throw topLevelError('BAD_USER_INPUT', `"ids" may hold at most ${MAX_NODES} ids`);
    return Promise.all(ids.map((id) => loadNode(ctx, id)));
  }
}
