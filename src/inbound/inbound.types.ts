import type { ParsedMail } from 'mailparser';
import type { InboundAddress } from './address-tokens';
import type { MailClassification } from './auto-reply';

/**
 * What a feature plugs into the inbound listener. Register it with `InboundRegistry.register()` from the
 * feature's `onModuleInit()` (see docs/architecture.md → "Inbound mail").
 */
export interface InboundHandler<C = unknown> {
  /** Stored with every message it handles (`inbound_messages.handler`), e.g. `mailing.bounce`. */
  readonly name: string;
  /**
   * Called at RCPT TO for every recipient until a handler claims it. Return null when the address is not this
   * handler's, `accept(data)` to take it (the data comes back in `handle()`), or `refuse(...)` to answer 5xx at
   * once (a forged or expired token). Must be quick: the sender's MTA is waiting.
   */
  claim(rcpt: InboundAddress): InboundClaimResult<C> | null | Promise<InboundClaimResult<C> | null>;
  /**
   * Called once per message (after the duplicate check) with every recipient of the message this handler claimed.
   * Return the outcome to store; throw `InboundRefusal` for a permanent 5xx answer, anything else is a temporary
   * failure (451: the sender retries, and the stored message is handled again then).
   */
  handle(mail: InboundMail, claims: C[]): Promise<InboundOutcome>;
}

export type InboundClaimResult<C> = { accept: true; data: C } | { accept: false; refusal: InboundRefusal };

export interface InboundOutcome {
  /** Short, for filters: `unsubscribed`, `hard-bounce`, `ignored`, … */
  outcome: string;
  /** A line for the operator. */
  detail?: string;
}

/** An SMTP 5xx answer with a human message, e.g. 550 5.7.1. */
export class InboundRefusal extends Error {
  constructor(
    readonly responseCode: 550 | 551 | 553 | 554,
    readonly enhanced: string,
    readonly reason: string,
  ) {
    super(`${enhanced} ${reason}`);
    this.name = 'InboundRefusal';
  }
}

export function accept<C>(data: C): InboundClaimResult<C> {
  return { accept: true, data };
}

export function refuse(code: InboundRefusal['responseCode'], enhanced: string, reason: string): InboundClaimResult<never> {
  return { accept: false, refusal: new InboundRefusal(code, enhanced, reason) };
}

/** One received message, parsed, as handlers get it. */
export interface InboundMail {
  /** `inbound_messages.id`. */
  id: number;
  receivedAt: Date;
  /** MAIL FROM; '' for the null sender `<>` (bounces). */
  envelopeFrom: string;
  envelopeTo: string[];
  /** The SMTP client's address (127.0.0.1 behind a local MTA). */
  remoteAddress: string;
  /** Message-ID without angle brackets; '' when the mail has none. */
  messageId: string;
  /** The parsed message (mailparser): headers, text, html, attachments with their content. */
  parsed: ParsedMail;
  classification: MailClassification;
  /** Where the raw message is kept (a file under FILES_DIR/inbound). */
  rawPath: string;
  size: number;
}
