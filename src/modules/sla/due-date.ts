import type { SlaPlan } from './sla-plan.entity';

/**
 * The one due-date function (SPEC §6): an agent-set date wins; otherwise the
 * start (creation or reopening) plus the SLA plan's grace period. Business
 * hours and holidays plug in here.
 */
export function dueDate(input: { start: Date; plan: SlaPlan | null; override: Date | null }): Date | null {
  if (input.override) return input.override;
  if (!input.plan || !input.plan.isActive) return null;
  return new Date(input.start.getTime() + input.plan.gracePeriodHours * 3_600_000);
}
