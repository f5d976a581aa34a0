import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { isSubscriptionOperation } from '@apollo/client/utilities';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenTicketDocument, QueueCountDocument, QueueUpdatesDocument, ReplyDocument, type QueueUpdatesSubscription } from '../__generated__/graphql';
import { startTestServer, type TestServer } from '../support/server';
import { renameTicket } from '../support/tickets';
import { buildWorld, type World } from '../support/world';

// The live queues through Apollo Client, as a web front end would use them:
// subscriptions over graphql-ws (GraphQLWsLink), queries and mutations over
// HTTP (HttpLink), one normalized InMemoryCache.
let t: TestServer;
let w: World;
let ws: WsClient;
let client: ApolloClient;

beforeAll(async () => {
  t = await startTestServer({ DESKQL_QUEUE_UPDATE_INTERVAL_MS: '0' });
  w = await buildWorld(t);
  const authorization = `Bearer ${w.agents.full.token}`;
  ws = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization }, retryAttempts: 0 });
  client = new ApolloClient({
    link: ApolloLink.split(({ query }) => isSubscriptionOperation(query), new GraphQLWsLink(ws), new HttpLink({ uri: t.url, headers: { authorization } })),
    cache: new InMemoryCache(),
  });
});
afterAll(async () => {
  client?.stop();
  await ws?.dispose();
  await t?.close();
});

type Update = QueueUpdatesSubscription['queueUpdates'];

describe('Apollo Client', () => {
  it('receives queueUpdates whose counts equal a network-only queue(id) { count }', async () => {
    const updates: Update[] = [];
    const problems: unknown[] = [];
    let connected = false;
    ws.on('connected', () => (connected = true));
    const subscription = client.subscribe({ query: QueueUpdatesDocument, variables: {} }).subscribe({
      next: (result) => {
        if (result.error) problems.push(result.error);
        if (result.data) updates.push(result.data.queueUpdates);
      },
      error: (error: unknown) => problems.push(error),
    });
    await expect.poll(() => connected, { timeout: 5_000 }).toBe(true);
    const open = (subject: string) =>
      client.mutate({ mutation: OpenTicketDocument, variables: { input: { subject, body: 'x', owner: { email: w.users.owner.email } } } });
    // graphql-ws does not say when the server has set the subscription up: warm-up tickets until one is heard.
    let marker = '';
    for (let attempt = 0; ; attempt++) {
      const id = (await open('Warm-up')).data!.openTicket.ticket!.id;
      const heard = () => updates.filter((u) => u.ticket?.id === id).length;
      for (let i = 0; i < 20 && heard() < 3; i++) await new Promise((r) => setTimeout(r, 50)); // polls for the warm-up's three updates
      if (heard() === 3) {
        marker = id;
        break;
      }
      if (attempt === 20) throw new Error(`the subscription did not go live: ${JSON.stringify(problems)}`);
    }

    const changes = (batch: Update[]) => batch.map((u) => `${u.queue.key} ${u.change}`).sort();
    let seen = updates.length;
    const step = async (action: () => Promise<unknown>, expected: string[]) => {
      await action();
      // Nothing more than expected: the warm-up ticket renamed after the action is a barrier. It is in
      // three queues (open, open.unanswered, unassigned); delivery is ordered, so once its three
      // updates are here, everything the action caused came before them.
      const { subject } = await renameTicket(t, w.agents.full.token, marker);
      const isBarrier = (u: Update) => u.ticket?.id === marker && u.ticket.subject === subject;
      await expect.poll(() => updates.slice(seen).filter(isBarrier).length, { timeout: 10_000 }).toBe(3);
      const since = updates.slice(seen);
      const batch = since.slice(0, since.findIndex(isBarrier));
      seen = updates.length;
      expect(problems).toEqual([]);
      expect(changes(batch)).toEqual([...expected].sort());
      for (const u of batch) {
        const fresh = await client.query({ query: QueueCountDocument, variables: { id: u.queue.id }, fetchPolicy: 'network-only' });
        expect(u.count, `${u.queue.key} ${u.change}`).toBe(fresh.data!.queue!.count);
      }
      return batch;
    };

    let ticketId = '';
    const opened = await step(async () => {
      const res = await open('Via Apollo');
      expect(res.data!.openTicket.userErrors).toEqual([]);
      ticketId = res.data!.openTicket.ticket!.id;
    }, ['open ENTERED', 'open.unanswered ENTERED', 'unassigned ENTERED']);
    expect(opened.every((u) => u.ticket?.id === ticketId)).toBe(true);
    expect(opened.every((u) => u.ticket?.subject === 'Via Apollo')).toBe(true);

    await step(async () => {
      const res = await client.mutate({ mutation: ReplyDocument, variables: { input: { ticketId, body: 'On it' } } });
      expect(res.data!.replyToTicket.userErrors).toEqual([]);
    }, ['open CHANGED', 'open.unanswered LEFT', 'open.answered ENTERED', 'unassigned CHANGED']);

    // The pushed ticket was normalized into the same cache the queries and mutations use.
    const cached = client.cache.readFragment<{ id: string; subject: string; isAnswered: boolean }>({
      id: client.cache.identify({ __typename: 'Ticket', id: ticketId })!,
      fragment: gql`fragment CachedTicket on Ticket { id subject isAnswered }`,
    });
    expect(cached).toEqual({ __typename: 'Ticket', id: ticketId, subject: 'Via Apollo', isAnswered: true });

    subscription.unsubscribe();
  });
});
