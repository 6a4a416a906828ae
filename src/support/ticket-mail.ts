import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, Locale } from '../config/config';
import { AddressTokens, signedAddress } from '../inbound/address-tokens';
import { MailService } from '../mail/mail.service';
import { SettingsService } from '../settings/settings.service';
import { Ticket } from './entities/ticket.entity';
import { TicketsRepository } from './tickets.repository';

/** What a new message of a ticket threads on: its own Message-ID, and the one it answers. */
export interface ThreadPlace {
  messageId: string;
  inReplyTo: string | null;
  references: string[];
}

/** Why a ticket mail is sent; the template says it in its first line. */
export type TicketMailEvent = 'new_ticket' | 'client_reply' | 'staff_reply' | 'auto_closed' | 'converted' | 'acknowledged';

/** What a ticket's reply address names: `t<ticketId>` (bench/ builds tokens against this format). */
export function ticketReplyRef(ticketId: number): string {
  return `t${ticketId}`;
}

/** `[#N] Subject`: the same for every mail of a ticket, so mail apps and the inbound listener can find it. */
export function ticketSubject(t: Pick<Ticket, 'id' | 'subject'>): string {
  return `[#${t.id}] ${t.subject}`;
}

/**
 * Ticket mail through the outbox, always inside the caller's transaction. Every mail threads: our Message-ID
 * (stored on the ticket message), In-Reply-To the previous mailed message, References the first and previous.
 * Notifications carry `Auto-Submitted: auto-generated` (RFC 3834) so auto-responders stay quiet; a reply a
 * person wrote does not.
 */
@Injectable()
export class TicketMailer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mail: MailService,
    private readonly settings: SettingsService,
    private readonly tickets: TicketsRepository,
    private readonly tokens: AddressTokens,
  ) {}

  /**
   * `reply+<signed token>@INBOUND_DOMAIN`: where the client's answer to this ticket's mail goes, so the inbound
   * listener files it in this ticket whatever the mail app did to the subject and the headers. Null while the
   * listener is off (then replies go to the From address, a person's mailbox).
   */
  replyAddress(ticketId: number): string | null {
    return this.config.inbound.port === null ? null : signedAddress(this.tokens, this.config.inbound.domain, 'reply', ticketReplyRef(ticketId));
  }

  newMessageId(): string {
    return this.mail.newMessageId();
  }

  /** Call before inserting the message: where it goes in the thread of mail. */
  async place(m: EntityManager, ticketId: number): Promise<ThreadPlace> {
    const ends = await this.tickets.threadEnds(m, ticketId);
    const references = [...new Set([ends.first, ends.last].filter((x): x is string => !!x))];
    return { messageId: this.mail.newMessageId(), inReplyTo: ends.last, references };
  }

  async toClient(
    m: EntityManager,
    ticket: Ticket,
    to: { email: string; name: string; locale: Locale | null },
    msg: { place: ThreadPlace; body: string; event: TicketMailEvent; human: boolean },
  ): Promise<void> {
    // "not a client yet" has no account to open the ticket in: the mail is the thread, and answering it is how to reply
    const link = ticket.clientId === null ? '' : `${this.config.appUrl}/account/tickets/${ticket.id}`;
    await this.send(m, ticket, to.email, to.locale ?? this.config.defaultLocale, msg, { name: to.name, link });
  }

  /**
   * "We got your message, it is ticket #N": to the sender of a mail that opened a ticket, threaded on their mail
   * (In-Reply-To its Message-ID). The caller makes sure it is at most one a day per sender, and never to a machine.
   */
  async acknowledge(m: EntityManager, ticket: Ticket, to: { email: string; name: string; locale: Locale | null }, answering: string | null): Promise<void> {
    const place: ThreadPlace = { messageId: this.mail.newMessageId(), inReplyTo: answering, references: answering ? [answering] : [] };
    await this.toClient(m, ticket, to, { place, body: '', event: 'acknowledged', human: false });
  }

  /** To the support address (Admin → Settings), about a client's new ticket or reply. */
  async toStaff(m: EntityManager, ticket: Ticket, from: { email: string; name: string }, msg: { place: ThreadPlace; body: string; event: TicketMailEvent }): Promise<void> {
    const s = await this.settings.current();
    const to = s.supportNotifyAddress || s.mailFromAddress;
    // No Reply-To here: an answer from a staff mailbox would be filed as the client's message (see docs/architecture.md).
    await this.send(m, ticket, to, this.config.defaultLocale, { ...msg, human: false, replyTo: false }, {
      name: '',
      clientName: from.name || from.email,
      clientEmail: from.email,
      link: `${this.config.appUrl}/admin/tickets/${ticket.id}`,
    });
  }

  private async send(
    m: EntityManager,
    ticket: Ticket,
    to: string,
    locale: Locale,
    msg: { place: ThreadPlace; body: string; event: TicketMailEvent; human: boolean; replyTo?: boolean },
    vars: Record<string, string>,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    if (msg.place.inReplyTo) headers['In-Reply-To'] = msg.place.inReplyTo;
    if (msg.place.references.length) headers['References'] = msg.place.references.join(' ');
    // RFC 3834: an acknowledgement answers a mail (auto-replied); other notifications are auto-generated.
    if (!msg.human) headers['Auto-Submitted'] = msg.event === 'acknowledged' ? 'auto-replied' : 'auto-generated';
    const replyTo = msg.replyTo === false ? null : this.replyAddress(ticket.id);
    if (replyTo) headers['Reply-To'] = replyTo;
    await this.mail.enqueue(m, {
      to,
      template: 'ticket',
      locale,
      messageId: msg.place.messageId,
      headers,
      // one mail per ticket message: a repeated job or request queues nothing twice
      idempotencyKey: `ticket-mail:${msg.place.messageId}`,
      vars: { ...vars, subject: ticketSubject(ticket), number: ticket.id, event: msg.event, body: msg.body },
    });
  }
}
