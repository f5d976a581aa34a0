import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from '../../common/logger';
import { InboundDoor } from './email.entity';
import type { InboundMail } from './inbound.service';
import { Mailbox } from './mailbox.entity';

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/**
 * The built-in SMTP receiver (off unless DESKQL_SMTP_LISTEN_PORT is set):
 * mail forwarded to it by an MTA or a provider. It takes mail only for
 * mailbox addresses (any other recipient is refused at RCPT TO: never an open
 * relay), refuses messages over DESKQL_MAX_EMAIL_BYTES (advertised with SIZE,
 * refused at MAIL FROM and again while the DATA arrives), and answers 250
 * only once the message is stored.
 */
export class SmtpReceiver {
  private readonly server: SMTPServer;

  constructor(
    private readonly orm: MikroORM,
    private readonly inbound: InboundMail,
    private readonly log: Logger,
    private readonly options: { port: number; host: string; maxBytes: number },
  ) {
    this.server = new SMTPServer({
      name: 'deskql',
      banner: 'DeskQL',
      size: options.maxBytes,
      authOptional: true,
      disabledCommands: ['AUTH'],
      // no certificate of our own: put a TLS-terminating MTA in front for mail over the internet
      hideSTARTTLS: true,
      logger: false,
      onMailFrom: (address, _session, callback) => {
        const args = address.args as Record<string, string> | false | undefined;
        const declared = Number((args && args['SIZE']) || 0);
        if (declared > options.maxBytes) return callback(smtpError(552, `Message too large: at most ${options.maxBytes} bytes`));
        callback();
      },
      onRcptTo: (address, session, callback) => void this.recipient(address, session).then(() => callback(), (err: Error) => callback(err)),
      onData: (stream, session, callback) => void this.data(stream, session).then(() => callback(), (err: Error) => callback(err)),
    });
    this.server.on('error', (err) => this.log.warn({ err }, 'SMTP receiver error'));
  }

  private async recipient(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const box = await this.orm.em.fork().findOne(Mailbox, { address: address.address.trim().toLowerCase() });
    if (!box) throw smtpError(550, 'No such mailbox here (this server relays nothing)');
    void session;
  }

  private async data(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // past the limit nothing more is kept; the stream is still read to its end
        if (size <= this.options.maxBytes) chunks.push(chunk);
      });
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    if (stream.sizeExceeded || size > this.options.maxBytes) throw smtpError(552, `Message too large: at most ${this.options.maxBytes} bytes`);
    const first = session.envelope.rcptTo[0]?.address.trim().toLowerCase();
    const box = first ? await this.orm.em.fork().findOne(Mailbox, { address: first }) : null;
    const stored = await this.inbound.store(Buffer.concat(chunks), { door: InboundDoor.SMTP, mailboxId: box?.id ?? null });
    void this.inbound.process(stored.id).catch((err: unknown) => this.log.error({ err, inboundEmailId: stored.id }, 'processing an email failed'));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    return (this.server.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
