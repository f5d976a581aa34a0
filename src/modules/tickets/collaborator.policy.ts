import type { Viewer } from '../../common/context';
import type { ReadOf } from '../../common/loaders';
import { CollaboratorRole, type Collaborator } from './collaborator.entity';

// Who sees a ticket's collaborators (SPEC §4); who may add or remove them is the
// ticket policy's 'manageCollaborators'. The viewer has already been let see the ticket.

const isSelf = (viewer: Viewer | null, c: Pick<ReadOf<Collaborator>, 'user'>) => viewer?.kind === 'endUser' && c.user.id === viewer.user.id;

/** BCC is blind: agents see every collaborator, an end user sees themself and those on CC, never others on BCC. */
export function seesCollaborator(viewer: Viewer | null, c: Pick<ReadOf<Collaborator>, 'user' | 'role'>): boolean {
  return viewer?.kind === 'agent' || isSelf(viewer, c) || c.role !== CollaboratorRole.BCC;
}

/** The ticket's `collaborators` list: what the viewer sees, and for end users only the active ones (and themselves). */
export function listsCollaborator(viewer: Viewer | null, c: Pick<ReadOf<Collaborator>, 'user' | 'role' | 'isActive'>): boolean {
  return seesCollaborator(viewer, c) && (viewer?.kind === 'agent' || isSelf(viewer, c) || c.isActive);
}
