import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, Locale } from '../config/config';
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
export type TicketMailEvent = 'new_ticket' | 'client_reply' | 'staff_reply' | 'auto_closed' | 'converted';

/**
 * The address a reply to this ticket's mail should go to: `reply+<signed token>@<inbound domain>`.
 *
 * Returns null until the inbound mail listener is merged (its branch owns the signed tokens); the lead wires it
 * here, and every ticket mail then carries `Reply-To` with it. Until then replies go to the From address.
 */
export function replyAddressFor(ticketId: number): string | null {
  void ticketId;
  return null;
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
  ) {}

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
    msg: { place: ThreadPlace; body: string; event: TicketMailEvent; human: boolean; files?: string[] },
  ): Promise<void> {
    await this.send(m, ticket, to.email, to.locale ?? this.config.defaultLocale, msg, { name: to.name, link: `${this.config.appUrl}/account/tickets/${ticket.id}` });
  }

  /** To the support address (Admin → Settings), about a client's new ticket or reply. */
  async toStaff(m: EntityManager, ticket: Ticket, from: { email: string; name: string }, msg: { place: ThreadPlace; body: string; event: TicketMailEvent; files?: string[] }): Promise<void> {
    const s = await this.settings.current();
    const to = s.supportNotifyAddress || s.mailFromAddress;
    await this.send(m, ticket, to, this.config.defaultLocale, { ...msg, human: false }, {
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
    msg: { place: ThreadPlace; body: string; event: TicketMailEvent; human: boolean; files?: string[] },
    vars: Record<string, string>,
  ): Promise<void> {
    const headers: Record<string, string> = {};
    if (msg.place.inReplyTo) headers['In-Reply-To'] = msg.place.inReplyTo;
    if (msg.place.references.length) headers['References'] = msg.place.references.join(' ');
    if (!msg.human) headers['Auto-Submitted'] = 'auto-generated';
    const replyTo = replyAddressFor(ticket.id);
    if (replyTo) headers['Reply-To'] = replyTo;
    await this.mail.enqueue(m, {
      to,
      template: 'ticket',
      locale,
      messageId: msg.place.messageId,
      headers,
      // one mail per ticket message: a repeated job or request queues nothing twice
      idempotencyKey: `ticket-mail:${msg.place.messageId}`,
      // files: the names of the message's files, which the mail names (they are downloaded from the ticket's page)
      vars: { ...vars, subject: ticketSubject(ticket), number: ticket.id, event: msg.event, body: msg.body, files: msg.files ?? [] },
    });
  }
}
