/** The permission keys of SPEC §1, granted per department through roles. */
export const PERMISSIONS = [
  'ticket.create',
  'ticket.edit',
  'ticket.assign',
  'ticket.release',
  'ticket.transfer',
  'ticket.reply',
  'ticket.close',
  'ticket.delete',
  'ticket.merge',
  'ticket.link',
  'ticket.markanswered',
  'thread.edit',
  'canned.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
