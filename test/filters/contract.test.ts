import { type GraphQLSchema, isInputObjectType, isNonNullType, isObjectType, isEnumType, Kind, parse, print, type TypeNode } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { deskSchema } from '../../src/server/schema';

// The public contract of intake automation, as API.md writes it (its names
// are fixed; the rest is ours to add in its style). Each field below must
// exist with exactly this type and these arguments; inputs may add fields
// only when they are optional.
const CONTRACT = /* GraphQL */ `
  type Query {
    helpTopics: [HelpTopic!]!
    slaPlans: [SlaPlan!]!
    cannedResponses(departmentId: ID): [CannedResponse!]!
    renderCannedResponse(cannedResponseId: ID!, ticketId: ID!): RenderedCannedResponse!
    ticketFilters: [TicketFilter!]!
  }
  type Ticket { helpTopic: HelpTopic dueAt: DateTime slaPlan: SlaPlan isOverdue: Boolean! }
  input PersonInput { email: String! name: String }
  input OpenTicketInput {
    subject: String! body: String! owner: PersonInput
    departmentId: ID helpTopicId: ID priorityId: ID source: TicketSource
    collaborators: [PersonInput!] attachmentIds: [ID!] idempotencyKey: String
  }
  input ReplyToTicketInput {
    ticketId: ID! body: String! statusId: ID
    cannedResponseId: ID attachmentIds: [ID!] expectedVersion: Int
  }
  input UpdateTicketInput {
    ticketId: ID! subject: String priorityId: ID
    helpTopicId: ID slaPlanId: ID dueAt: DateTime expectedVersion: Int
  }
  input CreateDepartmentInput { name: String! parentId: ID managerId: ID slaPlanId: ID }
  input CreateCannedResponseInput { title: String! body: String! departmentId: ID attachmentIds: [ID!] }
  input CreateSlaPlanInput { name: String! gracePeriodHours: Int! scheduleId: ID }
  input CreateTicketFilterInput {
    name: String! isActive: Boolean executionOrder: Int
    matchAll: Boolean stopOnMatch: Boolean sources: [TicketSource!]
    rules: [TicketFilterRuleInput!]! actions: TicketFilterActionsInput!
  }
  input TicketFilterRuleInput { field: TicketFilterField! operator: MatchOperator! value: String! }
  enum TicketFilterField { SUBJECT BODY EMAIL NAME EMAIL_DOMAIN SOURCE HELP_TOPIC PRIORITY DEPARTMENT }
  enum MatchOperator { EQUALS NOT_EQUALS CONTAINS NOT_CONTAINS STARTS_WITH ENDS_WITH MATCHES NOT_MATCHES }
  input TicketFilterActionsInput {
    reject: Boolean departmentId: ID priorityId: ID slaPlanId: ID
    statusId: ID helpTopicId: ID assignAgentId: ID assignTeamId: ID
    autoReplyCannedResponseId: ID addCollaborators: [PersonInput!]
  }
  type RenderedCannedResponse { body: HTML! unknownVariables: [String!]! attachments: [Attachment!]! }
`;

/** The admin mutations and the field their payload names the object by (API.md: `createX` → `{ x userErrors }`). */
const ADMIN_MUTATIONS: [string, string][] = [
  ['HelpTopic', 'helpTopic'],
  ['SlaPlan', 'slaPlan'],
  ['Schedule', 'schedule'],
  ['CannedResponse', 'cannedResponse'],
  ['TicketFilter', 'ticketFilter'],
];

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await deskSchema();
});

const typeString = (node: TypeNode): string => print(node);

describe('the intake automation contract of API.md', () => {
  const doc = parse(CONTRACT);
  for (const def of doc.definitions) {
    if (def.kind === Kind.OBJECT_TYPE_DEFINITION) {
      it(`type ${def.name.value} has the contract's fields and arguments`, () => {
        const type = schema.getType(def.name.value);
        expect(isObjectType(type), def.name.value).toBe(true);
        if (!isObjectType(type)) return;
        const fields = type.getFields();
        for (const f of def.fields ?? []) {
          const ours = fields[f.name.value];
          expect(ours, `${def.name.value}.${f.name.value}`).toBeDefined();
          expect(String(ours!.type), `${def.name.value}.${f.name.value}`).toBe(typeString(f.type));
          const args = Object.fromEntries(ours!.args.map((a) => [a.name, String(a.type)]));
          for (const a of f.arguments ?? []) expect(args[a.name.value], `${def.name.value}.${f.name.value}(${a.name.value})`).toBe(typeString(a.type));
          // any argument of ours beyond the contract's is optional
          const named = new Set((f.arguments ?? []).map((a) => a.name.value));
          for (const a of ours!.args) if (!named.has(a.name)) expect(isNonNullType(a.type) && a.defaultValue === undefined, `${f.name.value}(${a.name}) is extra and required`).toBe(false);
        }
      });
    } else if (def.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) {
      it(`input ${def.name.value} has the contract's fields; any other is optional`, () => {
        const type = schema.getType(def.name.value);
        expect(isInputObjectType(type), def.name.value).toBe(true);
        if (!isInputObjectType(type)) return;
        const fields = type.getFields();
        const named = new Set((def.fields ?? []).map((f) => f.name.value));
        for (const f of def.fields ?? []) expect(String(fields[f.name.value]?.type), `${def.name.value}.${f.name.value}`).toBe(typeString(f.type));
        for (const f of Object.values(fields)) {
          if (!named.has(f.name)) expect(isNonNullType(f.type) && f.defaultValue === undefined, `${def.name.value}.${f.name} is extra and required`).toBe(false);
        }
      });
    } else if (def.kind === Kind.ENUM_TYPE_DEFINITION) {
      it(`enum ${def.name.value} has exactly the contract's values`, () => {
        const type = schema.getType(def.name.value);
        expect(isEnumType(type), def.name.value).toBe(true);
        if (!isEnumType(type)) return;
        expect(type.getValues().map((v) => v.name).sort()).toEqual((def.values ?? []).map((v) => v.name.value).sort());
      });
    }
  }

  it.each(ADMIN_MUTATIONS)('create/update/delete %s take `input` and return a payload named after the type', (type, field) => {
    const mutations = schema.getMutationType()!.getFields();
    for (const verb of ['create', 'update', 'delete']) {
      const m = mutations[`${verb}${type}`];
      expect(m, `${verb}${type}`).toBeDefined();
      expect(m!.args.map((a) => [a.name, String(a.type)])).toEqual([['input', `${verb[0]!.toUpperCase()}${verb.slice(1)}${verb === 'delete' ? '' : type}Input!`]]);
      const payload = schema.getType(String(m!.type).replace(/!$/, ''));
      expect(isObjectType(payload), String(m!.type)).toBe(true);
      const fields = Object.keys((payload as import('graphql').GraphQLObjectType).getFields());
      expect(fields).toContain('userErrors');
      expect(fields).toContain(verb === 'delete' ? 'deletedId' : field);
    }
  });
});
