import { registerEnumType } from 'type-graphql';

export enum TicketSource {
  WEB = 'WEB',
  EMAIL = 'EMAIL',
  PHONE = 'PHONE',
  API = 'API',
  OTHER = 'OTHER',
}

registerEnumType(TicketSource, {
  name: 'TicketSource',
  description: 'How a ticket came in.',
  valuesConfig: {
    WEB: { description: 'The customer portal or the anonymous web form.' },
    EMAIL: { description: 'An email to the desk.' },
    PHONE: { description: 'Entered by an agent during a call.' },
    API: { description: 'Created by a partner system.' },
    OTHER: { description: 'Any other channel.' },
  },
});
