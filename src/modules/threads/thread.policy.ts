import { ThreadEntryType } from './thread-entry.entity';

// Who sees which thread entries of a ticket they can see (SPEC §5). Who may post
// or edit them is the ticket policy's ('reply', 'addNote', 'postMessage', 'editThread').

/** End users never see notes: the one rule every read path (the thread, a node, an attachment) asks. */
export function seesEntryType(viewer: { kind: string } | null, type: ThreadEntryType): boolean {
  return type !== ThreadEntryType.NOTE || viewer?.kind === 'agent';
}
