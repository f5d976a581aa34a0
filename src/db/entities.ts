import { Attachment, AttachmentContent } from '../modules/attachments/attachment.entity';
import { ServerSecret } from '../modules/attachments/signed-url';
import { DepartmentEmailSettings, EmailAddressState, EmailTemplate, InboundEmail, OutboundEmail } from '../modules/email/email.entity';
import { Mailbox } from '../modules/email/mailbox.entity';
import { CannedResponse } from '../modules/canned/canned-response.entity';
import { AuthToken } from '../modules/auth/auth-token.entity';
import { LoginFailure } from '../modules/auth/login-limiter';
import { Agent } from '../modules/directory/agent.entity';
import { Department } from '../modules/directory/department.entity';
import { DepartmentAccess } from '../modules/directory/department-access.entity';
import { EndUser } from '../modules/directory/end-user.entity';
import { Organization } from '../modules/directory/organization.entity';
import { Role } from '../modules/directory/role.entity';
import { Team } from '../modules/directory/team.entity';
import { TicketEvent } from '../modules/events/ticket-event.entity';
import { TicketFilter, TicketFilterRejection } from '../modules/filters/ticket-filter.entity';
import { Queue } from '../modules/queues/queue.entity';
import { QueueCountCore, QueueCountDelta, QueueCountFull } from '../modules/queues/queue-count.entity';
import { Schedule } from '../modules/sla/schedule.entity';
import { SlaPlan } from '../modules/sla/sla-plan.entity';
import { ThreadEntry, ThreadEntryRevision } from '../modules/threads/thread-entry.entity';
import { Collaborator } from '../modules/tickets/collaborator.entity';
import { HelpTopic } from '../modules/tickets/help-topic.entity';
import { IntakeKey } from '../modules/tickets/intake-key.entity';
import { Ticket } from '../modules/tickets/ticket.entity';
import { Priority } from '../modules/tickets/priority.entity';
import { TicketStatus } from '../modules/tickets/ticket-status.entity';
import { Webhook, WebhookDelivery } from '../modules/webhooks/webhook.entity';

/** Every entity, listed explicitly (no folder scanning: the same list in the server, tests and scripts). */
export const entities = [
  Role,
  Department,
  Agent,
  DepartmentAccess,
  Team,
  Organization,
  EndUser,
  AuthToken,
  TicketStatus,
  Priority,
  Schedule,
  SlaPlan,
  HelpTopic,
  Ticket,
  Collaborator,
  IntakeKey,
  ThreadEntry,
  ThreadEntryRevision,
  TicketEvent,
  Attachment,
  AttachmentContent,
  CannedResponse,
  Queue,
  QueueCountCore,
  QueueCountFull,
  QueueCountDelta,
  TicketFilter,
  TicketFilterRejection,
  ServerSecret,
  LoginFailure,
  Mailbox,
  OutboundEmail,
  InboundEmail,
  EmailAddressState,
  EmailTemplate,
  DepartmentEmailSettings,
  Webhook,
  WebhookDelivery,
];
