import { Ctx, Query, Resolver } from 'type-graphql';
import { Access } from '../../common/access';
import type { Context } from '../../common/context';
import { registerNode } from '../../common/node';
import { SlaPlan } from './sla-plan.entity';
import { SlaPlanType } from './sla.type';

registerNode({
  typeName: 'SlaPlan',
  entity: SlaPlan,
  load: async (ctx, id) => (ctx.viewer?.kind === 'agent' ? ctx.em.findOne(SlaPlan, id) : null),
});

@Resolver()
export class SlaResolver {
  @Query(() => [SlaPlanType], { description: 'Every SLA plan, by name.' })
  @Access('agent')
  slaPlans(@Ctx() ctx: Context): Promise<SlaPlan[]> {
    return ctx.em.find(SlaPlan, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }
}
