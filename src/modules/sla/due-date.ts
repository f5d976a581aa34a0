import type { EntityManager } from '@mikro-orm/core';
import { refById, refWhere } from '../../common/reference-cache';
import { addBusinessHours } from './business-hours';
import { Schedule } from './schedule.entity';
import { SlaPlan } from './sla-plan.entity';

const HOUR = 3_600_000;

/**
 * The one due-date function (SPEC §6): an agent-set date wins; otherwise the
 * start (creation or reopening) plus the SLA plan's grace period, counted in
 * the plan's business hours when it has a schedule (`addBusinessHours`), or
 * around the clock when it has none. No plan, or an inactive one: no due date.
 *
 * The plan's schedule must be loaded (`loadSlaPlan`); an unloaded one throws
 * rather than silently counting around the clock.
 */
export function dueDate(input: { start: Date; plan: SlaPlan | null; override: Date | null }): Date | null {
  if (input.override) return input.override;
  const plan = input.plan;
  if (!plan || !plan.isActive) return null;
  if (!plan.schedule) return new Date(input.start.getTime() + plan.gracePeriodHours * HOUR);
  if (!plan.schedule.isInitialized()) throw new Error(`SLA plan ${plan.id}: load its schedule before computing a due date (loadSlaPlan)`);
  return addBusinessHours(input.start, plan.gracePeriodHours, plan.schedule.getEntity());
}

/** An SLA plan with what `dueDate` needs (its schedule) loaded: reference data, cached (src/common/reference-cache.ts). */
export function loadSlaPlan(em: EntityManager, id: number): Promise<SlaPlan | null> {
  return refById(em, SlaPlan, id, WITH_SCHEDULE);
}

const WITH_SCHEDULE = { schedule: Schedule };

/** The part of a ticket its due date is computed from (and written to). */
export interface DueDateHolder {
  slaPlan: { id: number } | null;
  dueAtOverride: Date | null;
  dueAt: Date | null;
}

/** Recomputes the due date from `start` (creation or reopen time) with the ticket's SLA plan; an agent-set date still wins. */
export async function recomputeDue(em: EntityManager, ticket: DueDateHolder, start: Date): Promise<void> {
  const plan = ticket.slaPlan ? await loadSlaPlan(em, ticket.slaPlan.id) : null;
  ticket.dueAt = dueDate({ start, plan, override: ticket.dueAtOverride });
}

/** The SLA plan a ticket inherits in a department: the department's, else the desk's default (schedule loaded). */
export async function inheritedSlaPlan(em: EntityManager, department: { slaPlan: { id: number } | null }): Promise<SlaPlan | null> {
  if (department.slaPlan) {
    const plan = await loadSlaPlan(em, department.slaPlan.id);
    if (plan) return plan;
  }
  return (await refWhere(em, SlaPlan, (p) => p.isDefault === true, WITH_SCHEDULE))[0] ?? null;
}
