import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { Access, ACCESS_EXTENSION, undeclaredRootFields } from '../../src/common/access';
import { printedSchema } from '../../src/server/schema-print';
import { deskSchema } from '../../src/server/schema';

describe('schema', () => {
  it('matches the committed schema/schema.graphql (run `npm run schema:emit` after changing the API)', async () => {
    const committed = fs.readFileSync(path.resolve(__dirname, '../../schema/schema.graphql'), 'utf8');
    expect(await printedSchema()).toBe(committed);
  });

  it('declares an access rule on every root field', async () => {
    const schema = await deskSchema();
    expect(undeclaredRootFields(schema)).toEqual([]);
    const rules = new Set<unknown>();
    for (const root of [schema.getQueryType(), schema.getMutationType()]) {
      for (const field of Object.values(root!.getFields())) rules.add(field.extensions[ACCESS_EXTENSION]);
    }
    expect([...rules].sort()).toEqual(['admin', 'agent', 'anyone', 'authenticated', 'endUser']);
  });

  it('finds a root field that lacks a declaration (so the server refuses to start)', async () => {
    @ObjectType()
    class Thing {
      @Field(() => String)
      name!: string;
    }
    @Resolver()
    class Careless {
      @Query(() => Thing)
      forgotten(): Thing {
        return { name: 'x' };
      }

      @Query(() => Thing)
      @Access('admin')
      guarded(): Thing {
        return { name: 'y' };
      }
    }
    const schema = await buildSchema({ resolvers: [Careless], validate: false });
    expect(undeclaredRootFields(schema)).toEqual(['Query.forgotten']);
  });

  it('implements the API.md names of the directory and auth contract', async () => {
    const schema = await deskSchema();
    const query = schema.getQueryType()!.getFields();
    for (const name of ['node', 'nodes', 'viewer', 'departments', 'teams', 'roles', 'ticketStatuses', 'priorities', 'slaPlans']) {
      expect(query[name], name).toBeDefined();
    }
    expect(String(query.nodes!.type)).toBe('[Node]!');
    expect(String(query.viewer!.type)).toBe('Actor');
    const agent = schema.getType('Agent') as import('graphql').GraphQLObjectType;
    const fields = agent.getFields();
    expect(Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, String(f.type)]))).toMatchObject({
      id: 'ID!',
      name: 'String!',
      email: 'EmailAddress',
      username: 'String!',
      isAdmin: 'Boolean!',
      isActive: 'Boolean!',
      assignedOnly: 'Boolean!',
      primaryDepartment: 'Department!',
      role: 'Role!',
      departmentAccess: '[DepartmentAccess!]!',
      teams: '[Team!]!',
    });
    expect(agent.getInterfaces().map(String).sort()).toEqual(['Actor', 'Node']);
  });
});
