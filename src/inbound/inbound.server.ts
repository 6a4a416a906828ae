import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { APP_CONFIG, AppConfig } from '../config/config';
import { InboundClaim, InboundRegistry } from './inbound-registry';
import { InboundReceiver, Verdict } from './inbound-receiver';
import { InboundRefusal } from './inbound.types';

export const INBOUND_ENABLED = Symbol('INBOUND_ENABLED');

/** How long shutdown waits for open sessions before it drops them (their senders retry: nothing was acknowledged). */
const CLOSE_TIMEOUT_MS = 5_000;

function smtpError(e: unknown): Error {
  if (e instanceof InboundRefusal) return Object.assign(new Error(`${e.enhanced} ${e.reason}`), { responseCode: e.responseCode });
  if ((e as { responseCode?: number })?.responseCode) return e as Error;
  return Object.assign(new Error('4.3.0 Temporary failure, try again later'), { responseCode: 451 });
}

/**
 * The one inbound mail listener (smtp-server), plain SMTP or LMTP, when INBOUND_PORT is set. Every recipient is
 * judged at RCPT TO by the handlers in InboundRegistry (a forged token or an address nobody claims is refused
 * there, before any data is sent); the message itself goes to InboundReceiver.
 */
@Injectable()
export class InboundServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Inbound');
  private server: SMTPServer | null = null;
  /** The claims of each session's current transaction, in RCPT order. */
  private readonly claims = new Map<string, InboundClaim[]>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INBOUND_ENABLED) private readonly enabled: boolean,
    private readonly registry: InboundRegistry,
    private readonly receiver: InboundReceiver,
  ) {}

  /** The port listened on, or null when the listener is off. */
  get port(): number | null {
    const a = this.server?.server.address() as AddressInfo | null | undefined;
    return a ? a.port : null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { inbound } = this.config;
    if (!this.enabled || inbound.port === null) return;
    const server = new SMTPServer({
      lmtp: inbound.lmtp,
      name: inbound.domain,
      banner: 'kabinet',
      size: inbound.maxBytes,
      rejectOversized: true,
      // Behind an MTA on loopback (the documented set-up) there is nothing to authenticate and no TLS to offer.
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      socketTimeout: 60_000,
      closeTimeout: CLOSE_TIMEOUT_MS,
      onMailFrom: (_address: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void) => {
        this.claims.set(session.id, []);
        cb();
      },
      onRcptTo: (address: SMTPServerAddress, session: SMTPServerSession, cb: (err?: Error | null) => void) => {
        this.track(
          this.registry.claim(address.address).then(
            (claim) => {
              const list = this.claims.get(session.id) ?? [];
              list.push(claim);
              this.claims.set(session.id, list);
              cb();
            },
            (e) => cb(smtpError(e)),
          ),
        );
      },
      onData: (stream: SMTPServerDataStream, session: SMTPServerSession, cb: (err?: Error | null, message?: string | Error[] | string[]) => void) => {
        const claims = this.claims.get(session.id) ?? [];
        this.claims.delete(session.id);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          remoteAddress: session.remoteAddress,
        };
        this.track(
          this.receiver.receive(stream, envelope, claims).then(
            (verdicts) => this.answer(verdicts, cb),
            (e) => {
              this.logger.error(`inbound message from ${envelope.from || '<>'} failed: ${(e as Error).stack ?? e}`);
              stream.resume();
              cb(smtpError(e));
            },
          ),
        );
      },
      onClose: (session: SMTPServerSession) => {
        this.claims.delete(session.id);
      },
    });
    // A client resetting its socket or timing out is its business; the listener goes on.
    server.on('error', (e: Error) => this.logger.debug(`inbound session error: ${e.message}`));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(inbound.port!, inbound.host, () => {
        server.server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`inbound ${inbound.lmtp ? 'LMTP' : 'SMTP'} listening on ${inbound.host}:${this.port} for @${inbound.domain}`);
  }

  private answer(verdicts: (Verdict | undefined)[], cb: (err?: Error | null, message?: string | Error[] | string[]) => void): void {
    if (this.config.inbound.lmtp) {
      cb(null, verdicts.map((v) => v ?? 'OK: message accepted') as Error[] | string[]);
      return;
    }
    // SMTP answers the transaction once: a temporary failure anywhere makes the sender retry all of it (handlers
    // are idempotent, and the stored message is handled again); refused for every recipient = refused.
    const temporary = verdicts.find((v) => v && v.responseCode && v.responseCode < 500);
    if (temporary) return cb(temporary);
    if (verdicts.length && verdicts.every((v) => v)) return cb(verdicts[0]!);
    cb(null, 'OK: message accepted');
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Before the database closes: stop accepting, let open transactions finish (or drop them after CLOSE_TIMEOUT_MS). */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.allSettled([...this.inFlight]);
  }
}
