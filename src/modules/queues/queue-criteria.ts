import { registerEnumType } from 'type-graphql';
import { ErrorCode, type Problems } from '../../common/errors';
import { decodeIdOf } from '../../common/global-id';
import { TicketSource } from '../tickets/ticket-source';
import { TicketState } from '../tickets/ticket-state';
import { P, type DateField, type IdField, type TicketPredicate } from '../tickets/ticket-predicate';

export enum QueueCriterionField {
  STATUS = 'STATUS',
  STATE = 'STATE',
  DEPARTMENT = 'DEPARTMENT',
  TEAM = 'TEAM',
  ASSIGNEE = 'ASSIGNEE',
  PRIORITY = 'PRIORITY',
  HELP_TOPIC = 'HELP_TOPIC',
  SOURCE = 'SOURCE',
  ANSWERED = 'ANSWERED',
  OVERDUE = 'OVERDUE',
  DUE_AT = 'DUE_AT',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  OWNER = 'OWNER',
  ORGANIZATION = 'ORGANIZATION',
  SUBJECT = 'SUBJECT',
}

export enum QueueOperator {
  IN = 'IN',
  NOT_IN = 'NOT_IN',
  IS_SET = 'IS_SET',
  IS_NOT_SET = 'IS_NOT_SET',
  IS_TRUE = 'IS_TRUE',
  IS_FALSE = 'IS_FALSE',
  BEFORE = 'BEFORE',
  AFTER = 'AFTER',
  CONTAINS = 'CONTAINS',
}

registerEnumType(QueueCriterionField, { name: 'QueueCriterionField', description: 'What a custom queue criterion looks at (SPEC §8).' });
registerEnumType(QueueOperator, {
  name: 'QueueOperator',
  description: 'How a criterion compares: IN/NOT_IN take ids or enum names; BEFORE/AFTER an ISO date; CONTAINS text; the rest no value.',
});

export interface QueueCriterion {
  field: QueueCriterionField;
  operator: QueueOperator;
  values: string[];
}

const ID_FIELDS: Partial<Record<QueueCriterionField, { field: IdField; type: string }>> = {
  STATUS: { field: 'statusId', type: 'TicketStatus' },
  DEPARTMENT: { field: 'departmentId', type: 'Department' },
  TEAM: { field: 'teamId', type: 'Team' },
  ASSIGNEE: { field: 'assigneeId', type: 'Agent' },
  PRIORITY: { field: 'priorityId', type: 'Priority' },
  HELP_TOPIC: { field: 'helpTopicId', type: 'HelpTopic' },
  OWNER: { field: 'ownerId', type: 'EndUser' },
};
const DATE_FIELDS: Partial<Record<QueueCriterionField, DateField>> = { DUE_AT: 'dueAt', CREATED_AT: 'createdAt', UPDATED_AT: 'updatedAt' };
const OPTIONAL_IDS = new Set([QueueCriterionField.TEAM, QueueCriterionField.ASSIGNEE, QueueCriterionField.HELP_TOPIC]);

/** Which operators each field accepts. */
function operatorsOf(field: QueueCriterionField): QueueOperator[] {
  if (ID_FIELDS[field]) return [QueueOperator.IN, QueueOperator.NOT_IN, ...(OPTIONAL_IDS.has(field) ? [QueueOperator.IS_SET, QueueOperator.IS_NOT_SET] : [])];
  if (DATE_FIELDS[field]) return [QueueOperator.BEFORE, QueueOperator.AFTER, ...(field === QueueCriterionField.DUE_AT ? [QueueOperator.IS_SET, QueueOperator.IS_NOT_SET] : [])];
  switch (field) {
    case QueueCriterionField.STATE:
    case QueueCriterionField.SOURCE:
    case QueueCriterionField.ORGANIZATION:
      return [QueueOperator.IN, QueueOperator.NOT_IN];
    case QueueCriterionField.ANSWERED:
    case QueueCriterionField.OVERDUE:
      return [QueueOperator.IS_TRUE, QueueOperator.IS_FALSE];
    default:
      return [QueueOperator.CONTAINS];
  }
}

/** Checks criteria at save time: every problem reported, with its path. */
export function validateCriteria(problems: Problems, criteria: QueueCriterion[], path = 'criteria'): void {
  if (criteria.length > 20) problems.add(ErrorCode.BAD_USER_INPUT, 'At most 20 criteria', path);
  criteria.forEach((c, i) => {
    const at = `${path}.${i}`;
    if (!operatorsOf(c.field).includes(c.operator)) {
      problems.add(ErrorCode.BAD_USER_INPUT, `${c.field} does not take ${c.operator}`, `${at}.operator`);
      return;
    }
    const needsValues = [QueueOperator.IN, QueueOperator.NOT_IN].includes(c.operator);
    const oneValue = [QueueOperator.BEFORE, QueueOperator.AFTER, QueueOperator.CONTAINS].includes(c.operator);
    if (needsValues && (c.values.length === 0 || c.values.length > 100)) problems.add(ErrorCode.BAD_USER_INPUT, 'Give 1 to 100 values', `${at}.values`);
    if (oneValue && c.values.length !== 1) problems.add(ErrorCode.BAD_USER_INPUT, 'Give exactly one value', `${at}.values`);
    if (!needsValues && !oneValue && c.values.length) problems.add(ErrorCode.BAD_USER_INPUT, `${c.operator} takes no values`, `${at}.values`);
    c.values.forEach((v, j) => {
      const ok =
        ID_FIELDS[c.field] ? decodeIdOf(ID_FIELDS[c.field]!.type, v) !== null
        : c.field === QueueCriterionField.ORGANIZATION ? decodeIdOf('Organization', v) !== null
        : c.field === QueueCriterionField.STATE ? (Object.values(TicketState) as string[]).includes(v)
        : c.field === QueueCriterionField.SOURCE ? (Object.values(TicketSource) as string[]).includes(v)
        : DATE_FIELDS[c.field] ? !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}/.test(v)
        : v.trim().length > 0 && v.length <= 200;
      if (!ok) problems.add(ErrorCode.BAD_USER_INPUT, `Not a valid value for ${c.field}`, `${at}.values.${j}`);
    });
  });
}

/** Compiles validated criteria (AND) to a predicate. */
export function criteriaPredicate(criteria: QueueCriterion[]): TicketPredicate {
  return P.and(...criteria.map(criterionPredicate));
}

function criterionPredicate(c: QueueCriterion): TicketPredicate {
  const negate = (p: TicketPredicate) => (c.operator === QueueOperator.NOT_IN || c.operator === QueueOperator.IS_NOT_SET ? P.not(p) : p);
  const idField = ID_FIELDS[c.field];
  if (idField) {
    if (c.operator === QueueOperator.IS_SET || c.operator === QueueOperator.IS_NOT_SET) return negate(P.not(P.eq(idField.field, null)));
    const ids = c.values.map((v) => decodeIdOf(idField.type, v) ?? -1);
    // NOT_IN keeps tickets where the field is unset too
    return c.operator === QueueOperator.NOT_IN ? P.not(P.idIn(idField.field, ids)) : P.idIn(idField.field, ids);
  }
  const dateField = DATE_FIELDS[c.field];
  if (dateField) {
    if (c.operator === QueueOperator.IS_SET || c.operator === QueueOperator.IS_NOT_SET) return negate({ op: 'dateIsSet', field: dateField });
    const value = new Date(c.values[0]!);
    return c.operator === QueueOperator.BEFORE ? { op: 'before', field: dateField, value } : { op: 'after', field: dateField, value };
  }
  switch (c.field) {
    case QueueCriterionField.STATE:
      return negate({ op: 'stateIn', values: c.values as TicketState[] });
    case QueueCriterionField.SOURCE:
      return negate({ op: 'sourceIn', values: c.values as TicketSource[] });
    case QueueCriterionField.ORGANIZATION:
      return negate({ op: 'ownerOrgIn', values: c.values.map((v) => decodeIdOf('Organization', v) ?? -1) });
    case QueueCriterionField.ANSWERED:
      return { op: 'answered', value: c.operator === QueueOperator.IS_TRUE };
    case QueueCriterionField.OVERDUE:
      return { op: 'overdue', value: c.operator === QueueOperator.IS_TRUE };
    default:
      return { op: 'subjectContains', text: c.values[0]! };
  }
}
