import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Date.now() when the server accepted the message (after DATA). */
  receivedAt: number;
}

/** Decides each delivery: accept (undefined) or reply with an SMTP error code. */
export type SinkBehaviour = (mail: ReceivedMail, attempt: number) => { code: number; message: string } | undefined;

/** A real SMTP server on loopback (smtp-server from npm), auth off, that keeps what it receives. */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  attempts = 0;
  behaviour: SinkBehaviour = () => undefined;
  private server!: SMTPServer;
  /** While set: once this many messages were accepted, the server answers no more until released (see holdAfter). */
  private holdAt: number | null = null;
  private held: (() => void)[] = [];
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null) => void) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        const answer = () => {
          const mail: ReceivedMail = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            receivedAt: Date.now(),
          };
          this.attempts++;
          const verdict = this.behaviour(mail, this.attempts);
          if (verdict) {
            const err = new Error(verdict.message) as Error & { responseCode: number };
            err.responseCode = verdict.code;
            return cb(err);
          }
          this.received.push(mail);
          cb();
        };
        stream.on('end', () => {
          if (this.holdAt !== null && this.received.length >= this.holdAt) this.held.push(answer);
          else answer();
        });
      },
    });
    // A client that dies mid-session (the crash test kills senders) resets its socket: that is not a test failure.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /**
   * A server that stalls: once `count` messages were accepted, every later one waits, unanswered, until
   * `release()` (the client sees a slow server, its messages stay in flight). Returns the release.
   */
  holdAfter(count: number): () => void {
    this.holdAt = count;
    return () => {
      this.holdAt = null;
      for (const answer of this.held.splice(0)) answer();
    };
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
