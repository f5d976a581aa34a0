// Every GraphQL document the console sends, in one place: a front-end
// developer's reference for how the workflow maps onto the public API.

/**
 * Tickets per list page: ONE constant, written into the list query as a
 * literal so the server's cost analysis sees the real page size (a `$first`
 * variable counts as its default). The cost analysis multiplies a
 * connection's rows by `first`, so a 50-row page of these fields fits the
 * limit; test/console/console-serving.test.ts runs every document below
 * against the real limits.
 */
export const PAGE_SIZE = 50;

/** Thread entries per page of the ticket view, the same way (a 50-entry page costs about 200). */
export const THREAD_PAGE_SIZE = 50;

export const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(input: { email: $email, password: $password }) {
    token
    viewer { id name }
    userErrors { field message code }
  }
}`;

export const LOGOUT = `mutation Logout { logout { loggedOut userErrors { field message code } } }`;

export const DESK = `query Desk {
  viewer { __typename id name ... on Agent { email isAdmin role { name } primaryDepartment { id name } } }
  ticketStatuses { id name state }
  departments { id name }
  teams { id name }
}`;

export const AGENTS = `query Agents { agents(first: 100) { edges { node { id name isActive } } } }`;

const QUEUE_FIELDS = `id key name count`;

/** The sidebar: the queues as the API nests them (system ones, then custom ones). */
export const QUEUES = `query Queues {
  queues { ${QUEUE_FIELDS} children { ${QUEUE_FIELDS} children { ${QUEUE_FIELDS} children { ${QUEUE_FIELDS} } } } }
}`;

const TREE_FIELDS = `id key name`;

/**
 * The sidebar's shape alone, without counts (no counting, so cheap to ask
 * often): how the console notices a queue created, renamed or deleted while
 * it is open. queueUpdates covers the queues that were visible when it was
 * subscribed, so a new queue needs a new subscription too.
 */
export const QUEUE_TREE = `query QueueTree {
  queues { ${TREE_FIELDS} children { ${TREE_FIELDS} children { ${TREE_FIELDS} children { ${TREE_FIELDS} } } } }
}`;

/**
 * One row of the ticket list. Field sets are shared by interpolation, not
 * GraphQL fragments: the cost analysis charges a fragment spread a level of depth.
 * `viewerCan { close }`: "Close selected" is offered only when one of the
 * selected tickets may be closed by this agent.
 */
const ROW = `
  id number subject version state isOverdue isAnswered dueAt updatedAt lastMessageAt
  viewerCan { close }
  status { id name state }
  priority { id name }
  department { id name }
  owner { id name email }
  assignee { id name }
  team { id name }
`;

/** A page of a queue, in the queue's own order (no orderBy), keyset-paged. */
export const QUEUE_PAGE = `query QueuePage($queueId: ID!, $after: String) {
  queue(id: $queueId) {
    id name count
    tickets(first: ${PAGE_SIZE}, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ${ROW} } }
    }
  }
}`;

/** Every queue's membership changes and exact counts, for the sidebar and the open list. */
export const QUEUE_UPDATES = `subscription QueueUpdates {
  queueUpdates { change count cursor queue { id } ticket { ${ROW} } }
}`;

const CAN = `viewerCan { reply addNote assign release transfer edit close reopen markAnswered manageCollaborators delete merge }`;

/** The pop-up on a ticket number: one query. */
export const PREVIEW = `query Preview($id: ID!) {
  node(id: $id) {
    ... on Ticket {
      id number subject version state isOverdue isAnswered dueAt lastMessageAt lastResponseAt
      status { id name state }
      priority { name }
      department { name }
      owner { name email }
      assignee { id name }
      team { name }
      collaborators { id role isActive user { name email } }
      lock { agent { id name } expiresAt }
      ${CAN}
    }
  }
}`;

const ENTRY = `
  id type createdAt editedAt
  body(signedImages: true)
  poster { id name ... on Agent { email } ... on EndUser { email } }
  attachments { id filename contentType size downloadUrl }
`;

const FULL = `
  id number subject version state source isOverdue isAnswered dueAt createdAt updatedAt lastMessageAt lastResponseAt reopenCount
  status { id name state }
  priority { id name }
  department { id name }
  helpTopic { name }
  owner { id name email }
  assignee { id name }
  team { id name }
  collaborators { id role isActive user { id name email } }
  lock { agent { id name } expiresAt }
  ${CAN}
`;

/** The ticket view: the ticket, then its thread (oldest first) page by page. */
export const TICKET = `query Ticket($number: String!) { ticket(number: $number) { ${FULL} } }`;

export const THREAD_PAGE = `query ThreadPage($number: String!, $after: String) {
  ticket(number: $number) { id thread(first: ${THREAD_PAGE_SIZE}, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ENTRY} } } } }
}`;

export const LOCK_STATE = `query LockState($id: ID!) { node(id: $id) { ... on Ticket { id lock { agent { id name } expiresAt } } } }`;

export const TICKET_UPDATES = `subscription TicketUpdates($ticketId: ID!) {
  ticketUpdates(ticketId: $ticketId) { cursor ticket { id version } event { id kind createdAt actor { name } } }
}`;

export const CANNED = `query Canned($departmentId: ID) { cannedResponses(departmentId: $departmentId) { id title } }`;

export const RENDER_CANNED = `query RenderCanned($cannedResponseId: ID!, $ticketId: ID!) {
  renderCannedResponse(cannedResponseId: $cannedResponseId, ticketId: $ticketId) { body unknownVariables attachments { id filename } }
}`;

const ERRORS = `userErrors { field message code }`;
const PAYLOAD_TICKET = `ticket { ${FULL} }`;

export const REPLY = `mutation Reply($input: ReplyToTicketInput!) { replyToTicket(input: $input) { ${PAYLOAD_TICKET} ${ERRORS} } }`;
export const NOTE = `mutation Note($input: AddNoteInput!) { addNote(input: $input) { ${PAYLOAD_TICKET} ${ERRORS} } }`;
export const ASSIGN = `mutation Assign($input: AssignTicketInput!) { assignTicket(input: $input) { ${PAYLOAD_TICKET} ${ERRORS} } }`;
export const CLAIM = `mutation Claim($input: TicketRefInput!) { claimTicket(input: $input) { ${PAYLOAD_TICKET} ${ERRORS} } }`;
export const RELEASE = `mutation Release($input: TicketRefInput!) { releaseTicket(input: $input) { ${PAYLOAD_TICKET} ${ERRORS} } }`;
export const TRANSFER = `mutation Transfer($input: TransferTicketInput!) { transferTicket(input: $input) { ${PAYLOAD_TICKET} ${ERRORS} } }`;
export const ADD_COLLABORATORS = `mutation AddCollaborators($input: AddCollaboratorsInput!) { addCollaborators(input: $input) { ${ERRORS} } }`;
export const REMOVE_COLLABORATOR = `mutation RemoveCollaborator($input: RemoveCollaboratorInput!) { removeCollaborator(input: $input) { ${ERRORS} } }`;
export const LOCK = `mutation Lock($input: TicketRefInput!) { lockTicket(input: $input) { lock { agent { id name } expiresAt } ${ERRORS} } }`;
export const UNLOCK = `mutation Unlock($input: TicketRefInput!) { unlockTicket(input: $input) { ${ERRORS} } }`;

/** The queue's quick close and the preview's Close: several tickets, all or nothing. */
export const SET_STATUS = `mutation SetStatus($input: SetTicketStatusInput!) {
  setTicketStatus(input: $input) { tickets { id number version status { id name state } } ${ERRORS} }
}`;
