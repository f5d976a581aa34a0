import { ref } from '@mikro-orm/core';
import { command } from '../../common/command';
import type { Context } from '../../common/context';
import { ErrorCode, Problems } from '../../common/errors';
import { MAX_HTML_LENGTH, sanitizeHtml } from '../../common/html';
import { lookup } from '../../common/lookup';
import { unknownVariables } from '../canned/canned.template';
import { Department } from '../directory/department.entity';
import { DepartmentEmailSettings, EmailTemplate, OutboundEmailKind } from './email.entity';
import type { UpdateDepartmentEmailSettingsInput, UpdateEmailTemplateInput } from './email.inputs';
import type { DepartmentEmailSettingsType, EmailTemplateType } from './email.type';
import { BUILT_IN, oneLine } from './templates';

/** The variables an email template may use besides the canned responses' own. */
const EMAIL_VARIABLES = new Set(['message', 'ticket.owner']);

export async function listTemplates(ctx: Context): Promise<EmailTemplateType[]> {
  const custom = new Map((await ctx.em.find(EmailTemplate, {})).map((t) => [t.kind, t]));
  return Object.values(OutboundEmailKind).map((kind) => {
    const c = custom.get(kind);
    return { kind, subject: c?.subject ?? BUILT_IN[kind].subject, body: c?.body ?? BUILT_IN[kind].body, isCustom: Boolean(c) };
  });
}

export function updateTemplate(ctx: Context, input: UpdateEmailTemplateInput): Promise<EmailTemplateType> {
  return command(ctx, async (em) => {
    const existing = await em.findOne(EmailTemplate, { kind: input.kind });
    if (input.subject == null && input.body == null) {
      if (existing) em.remove(existing);
      await em.flush();
      return { kind: input.kind, ...BUILT_IN[input.kind], isCustom: false };
    }
    const problems = new Problems();
    const subject = input.subject ?? existing?.subject ?? BUILT_IN[input.kind].subject;
    const body = input.body ?? existing?.body ?? BUILT_IN[input.kind].body;
    if (subject.trim() === '' || subject.length > 400 || oneLine(subject) !== subject.trim()) {
      problems.add(ErrorCode.BAD_USER_INPUT, 'subject must be one line of 1 to 400 characters', 'subject');
    }
    if (body.length > MAX_HTML_LENGTH) problems.add(ErrorCode.BAD_USER_INPUT, `body must be at most ${MAX_HTML_LENGTH} characters`, 'body');
    for (const [field, text] of [['subject', subject], ['body', body]] as const) {
      const unknown = unknownVariables(text).filter((v) => !EMAIL_VARIABLES.has(v));
      if (unknown.length) problems.add(ErrorCode.BAD_USER_INPUT, `Unknown variables (${unknown.map((v) => `%{${v}}`).join(', ')})`, field);
    }
    problems.throwIfAny();
    const clean = sanitizeHtml(body).html;
    const row = existing ?? em.create(EmailTemplate, { kind: input.kind, subject, body: clean });
    row.subject = subject.trim();
    row.body = clean;
    await em.flush();
    return { kind: row.kind, subject: row.subject, body: row.body, isCustom: true };
  });
}

export function updateDepartmentSettings(ctx: Context, input: UpdateDepartmentEmailSettingsInput): Promise<DepartmentEmailSettingsType> {
  return command(ctx, async (em) => {
    const problems = new Problems();
    const department = await lookup(em, Department, 'Department', input.departmentId, 'departmentId', problems);
    problems.throwIfAny();
    const row = (await em.findOne(DepartmentEmailSettings, { department: department!.id })) ?? em.create(DepartmentEmailSettings, { department: ref(department!) });
    if (input.autoResponse != null) row.autoResponse = input.autoResponse;
    if (input.responses != null) row.responses = input.responses;
    if (input.alerts != null) row.alerts = input.alerts;
    await em.flush();
    return { autoResponse: row.autoResponse, responses: row.responses, alerts: row.alerts };
  });
}
