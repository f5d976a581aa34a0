import type { Context } from '../../common/context';
import { readFromReferenceCache } from '../../common/loaders';
import { registerNode } from '../../common/node';
import { Agent } from './agent.entity';
import { Department } from './department.entity';
import { EndUser } from './end-user.entity';
import { Organization } from './organization.entity';
import { Role } from './role.entity';
import { Team } from './team.entity';

// Who may fetch each directory object by id (node/nodes); null means "not there".
const isAgent = (ctx: Context) => ctx.viewer?.kind === 'agent';

// Departments are read on every ticket of a list: from the reference cache, no statement.
readFromReferenceCache(Department);
registerNode({ typeName: 'Department', entity: Department, load: async (ctx, id) => (ctx.viewer ? ctx.em.findOne(Department, id) : null) });
registerNode({ typeName: 'Role', entity: Role, load: async (ctx, id) => (isAgent(ctx) ? ctx.em.findOne(Role, id) : null) });
registerNode({ typeName: 'Team', entity: Team, load: async (ctx, id) => (isAgent(ctx) ? ctx.em.findOne(Team, id) : null) });
registerNode({ typeName: 'Agent', entity: Agent, load: async (ctx, id) => (isAgent(ctx) ? ctx.em.findOne(Agent, id) : null) });
registerNode({
  typeName: 'EndUser',
  entity: EndUser,
  load: async (ctx, id) => {
    const v = ctx.viewer;
    if (v?.kind === 'agent' || (v?.kind === 'endUser' && v.user.id === id)) return ctx.em.findOne(EndUser, id);
    return null;
  },
});
registerNode({
  typeName: 'Organization',
  entity: Organization,
  load: async (ctx, id) => {
    const v = ctx.viewer;
    if (v?.kind === 'agent' || (v?.kind === 'endUser' && v.user.organization?.id === id)) return ctx.em.findOne(Organization, id);
    return null;
  },
});
