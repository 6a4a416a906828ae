import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Locale } from '../config/config';
import { AppError } from '../common/errors/app-error';
import { Database } from '../database/database.service';
import { GrantsRepository } from '../members/access/grants.repository';
import { ProductsRepository } from '../members/catalogue/products.repository';
import type { Servable } from '../members/client-area/file-stream';
import { SettingsService } from '../settings/settings.service';
import { UsersRepository } from '../users/users.repository';
import { Ticket, TicketAttachment, TicketMessage, TicketStatus, TicketType } from './entities/ticket.entity';
import { TicketAttachments, TicketUpload } from './ticket-attachments';
import { bodyOf, FieldErrors, optionalIdOf, Q, subjectOf, typeOf } from './ticket-input';
import { TicketMailer } from './ticket-mail';
import { afterClientMessage } from './ticket-status';
import { clockOf, secondsOn } from './ticket-metrics';
import { TicketsRepository } from './tickets.repository';
import { BanCheck } from '../bans/ban-check';

export interface AttachmentView {
  id: number;
  name: string;
  sizeBytes: number;
  /** "12.5 KiB" */
  sizeLabel: string;
  url: string;
}

export function sizeLabel(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 || Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

/** A thread message as the client sees it: no internal notes, no minutes, no staff names. */
export interface ClientMessageView {
  id: number;
  from: 'client' | 'staff' | 'system';
  body: string;
  createdAt: Date;
  attachments: AttachmentView[];
}

export interface ClientTicketItem {
  id: number;
  subject: string;
  type: TicketType;
  status: TicketStatus;
  productTitle: string | null;
  lastActivityAt: Date;
}

export interface ClientTicketView extends ClientTicketItem {
  createdAt: Date;
  messages: ClientMessageView[];
  previousTicketId: number | null;
  canClose: boolean;
}

export interface OpenFormModel {
  products: { value: string; label: string }[];
  consultationOffer: string;
  consultationPrice: string;
  maxFileBytes: number;
  maxFileLabel: string;
}

export function attachmentsByMessage(rows: TicketAttachment[], url: (a: TicketAttachment) => string): Map<number, AttachmentView[]> {
  const out = new Map<number, AttachmentView[]>();
  for (const a of rows) {
    const list = out.get(a.messageId) ?? [];
    list.push({ id: a.id, name: a.originalName, sizeBytes: a.sizeBytes, sizeLabel: sizeLabel(a.sizeBytes), url: url(a) });
    out.set(a.messageId, list);
  }
  return out;
}

/** Who wrote a client-side message: a user (id), or, for mail from an address that is not one, id null. */
export interface MessageAuthor {
  id: number | null;
  email: string;
  name: string;
}

/** Stores the message's files (a form's one, a mail's several) on the message just inserted, in the transaction `m`; returns their rows. */
export type StoreUpload = (m: EntityManager, ticketId: number, messageId: number) => Promise<TicketAttachment[]>;

/** Runs `work` with a StoreUpload for `upload` (null when there is none); removes the stored bytes if `work` fails. */
export async function withStoredUpload<T>(files: TicketAttachments, upload: TicketUpload | null, work: (store: StoreUpload | null) => Promise<T>): Promise<T> {
  if (!upload) return work(null);
  const undo: (() => Promise<void>)[] = [];
  try {
    return await work(async (m, ticketId, messageId) => {
      const stored = await files.store(m, upload, ticketId, messageId);
      undo.push(stored.undo);
      return [stored.row];
    });
  } catch (e) {
    for (const u of undo) await u();
    throw e;
  }
}

const clientAttachmentUrl = (a: TicketAttachment) => `/account/tickets/files/${a.id}`;

/**
 * The client's side of tickets. Every method is keyed by the logged-in client first: another client's ticket or
 * file is a 404, exactly like one that does not exist.
 */
@Injectable()
export class TicketsService {
  constructor(
    private readonly db: Database,
    private readonly tickets: TicketsRepository,
    private readonly files: TicketAttachments,
    private readonly mailer: TicketMailer,
    private readonly users: UsersRepository,
    private readonly grants: GrantsRepository,
    private readonly products: ProductsRepository,
    private readonly settings: SettingsService,
    private readonly bans: BanCheck,
  ) {}

  async list(clientId: number): Promise<ClientTicketItem[]> {
    const rows = await this.tickets.listForClient(clientId);
    const titles = await this.productTitles(rows);
    return rows.map((t) => toItem(t, titles));
  }

  /** What the new-ticket form offers: the client's own products, and the consultation offer and price. */
  async openForm(clientId: number): Promise<OpenFormModel> {
    const grants = await this.grants.listAccessForClient(clientId, new Date());
    const products = await this.products.findByIds(grants.map((g) => g.productId));
    const s = await this.settings.current();
    return {
      products: products.sort((a, b) => a.title.localeCompare(b.title)).map((p) => ({ value: String(p.id), label: p.title })),
      consultationOffer: s.consultationOffer,
      consultationPrice: s.consultationPrice,
      maxFileBytes: this.files.maxBytes,
      maxFileLabel: sizeLabel(this.files.maxBytes),
    };
  }

  /** Opens a ticket with its first message (and file); staff are told by mail in the same transaction. */
  async open(clientId: number, input: Q, upload: TicketUpload | null): Promise<{ id: number }> {
    const e = new FieldErrors();
    const subject = subjectOf(input.subject, e);
    const body = bodyOf(input.body, e);
    const type = typeOf(input.type, e);
    const productId = optionalIdOf(input.productId, e, 'productId');
    if (productId !== null && !(await this.grants.findAccess(clientId, productId, new Date()))) e.add('productId', 'tickets.errors.product');
    e.throwIfAny();
    const client = await this.requireClient(clientId);
    // A closed account (offboarding) opens none either, should a request of it still get this far.
    if (client.disabled) throw new AppError('forbidden', 'tickets.account_closed', 'tickets.errors.account_closed');
    // A banned identity opens no ticket (its sessions ended with the ban; this holds for one that slipped by).
    await this.bans.refuseIfBanned(client.email, '');
    return this.withUpload(upload, async (store) =>
      this.db.transaction(async (m) => {
        const { ticket } = await this.openIn(m, { clientId, type, productId, subject }, client, body, store);
        return { id: ticket.id };
      }),
    );
  }

  /**
   * Opens a ticket with its first message in the caller's transaction `m`, and tells staff by mail in it: the web
   * form and mail to the support address (src/support/inbound) both come through here.
   */
  async openIn(
    m: EntityManager,
    data: Pick<Ticket, 'type' | 'productId' | 'subject'> & Partial<Pick<Ticket, 'clientId' | 'externalEmail' | 'previousTicketId' | 'assigneeId' | 'priority'>>,
    author: MessageAuthor,
    body: string,
    store: StoreUpload | null,
    opts: { inboundId?: number | null } = {},
  ): Promise<{ ticket: Ticket; message: TicketMessage }> {
    const now = new Date();
    const ticket = await this.tickets.insertTicket(m, {
      clientId: null,
      status: 'open',
      assigneeId: null,
      priority: 'normal',
      ...data,
      createdAt: now,
      lastActivityAt: now,
      waitingSince: now,
    });
    const message = await this.addClientMessage(m, ticket, author, body, store, 'new_ticket', opts.inboundId ?? null);
    return { ticket, message };
  }

  async show(clientId: number, id: number): Promise<ClientTicketView> {
    const t = await this.requireTicket(clientId, id);
    const [messages, files, titles] = await Promise.all([this.tickets.messages(id, false), this.tickets.attachments(id), this.productTitles([t])]);
    const visible = new Set(messages.filter((msg) => msg.kind !== 'internal_note').map((msg) => msg.id));
    const byMessage = attachmentsByMessage(files.filter((a) => visible.has(a.messageId)), clientAttachmentUrl);
    return {
      ...toItem(t, titles),
      createdAt: t.createdAt,
      previousTicketId: t.previousTicketId,
      canClose: t.status !== 'closed',
      messages: messages
        .filter((msg) => msg.kind !== 'internal_note')
        .map((msg) => ({
          id: msg.id,
          from: msg.kind === 'client' ? 'client' : msg.kind === 'system' ? 'system' : 'staff',
          body: msg.body,
          createdAt: msg.createdAt,
          attachments: byMessage.get(msg.id) ?? [],
        })),
    };
  }

  /**
   * The client's reply. On an open or waiting ticket it goes to the staff; on a ticket closed within the
   * reopen window it reopens it; on a long-closed one it opens a new ticket linked to it. Returns the ticket
   * the reply landed in.
   */
  async reply(clientId: number, id: number, input: Q, upload: TicketUpload | null): Promise<{ id: number }> {
    const t = await this.requireTicket(clientId, id);
    const e = new FieldErrors();
    const body = bodyOf(input.body, e);
    e.throwIfAny();
    const client = await this.requireClient(clientId);
    if (client.disabled) throw new AppError('forbidden', 'tickets.account_closed', 'tickets.errors.account_closed');
    await this.bans.refuseIfBanned(client.email, '');
    const reopenDays = Number((await this.settings.current()).ticketReopenDays);
    if (upload) await this.files.checkRoom(t.id);
    return this.withUpload(upload, (store) =>
      this.db.transaction(async (m) => {
        const { ticket } = await this.clientMessageIn(m, t.id, client, body, store, { reopenDays });
        return { id: ticket.id };
      }),
    );
  }

  /**
   * A client's message on ticket `ticketId`, in the caller's transaction (the ticket is read again in it). On an
   * open or waiting ticket it goes to the staff; on one closed within `reopenDays` it reopens it; on a long-closed
   * one it opens a new ticket linked to it (`opened`). Staff are told by mail either way. The web reply and a
   * reply by mail (src/support/inbound) both come through here.
   */
  async clientMessageIn(
    m: EntityManager,
    ticketId: number,
    author: MessageAuthor,
    body: string,
    store: StoreUpload | null,
    opts: { reopenDays: number; inboundId?: number | null },
  ): Promise<{ ticket: Ticket; message: TicketMessage; opened: boolean }> {
    const now = new Date();
    const fresh = await this.tickets.findTicket(ticketId, m);
    if (!fresh) throw AppError.notFound('ticket');
    const effect = afterClientMessage(fresh, opts.reopenDays, now);
    if ('newTicket' in effect) {
      const next = await this.openIn(
        m,
        {
          clientId: fresh.clientId,
          externalEmail: fresh.externalEmail,
          type: fresh.type,
          productId: fresh.productId,
          subject: fresh.subject,
          assigneeId: fresh.assigneeId,
          priority: fresh.priority,
          previousTicketId: fresh.id,
        },
        author,
        body,
        store,
        opts,
      );
      return { ...next, opened: true };
    }
    await this.tickets.updateTicket(m, fresh.id, {
      status: effect.status,
      lastActivityAt: now,
      waitingSince: fresh.waitingSince ?? now,
      closedAt: null,
    });
    const ticket = { ...fresh, status: effect.status };
    const message = await this.addClientMessage(m, ticket, author, body, store, 'client_reply', opts.inboundId ?? null);
    return { ticket, message, opened: false };
  }

  async close(clientId: number, id: number): Promise<void> {
    const t = await this.requireTicket(clientId, id);
    if (t.status === 'closed') return;
    const clock = clockOf(await this.settings.current());
    await this.db.transaction(async (m) => {
      const now = new Date();
      await this.tickets.updateTicket(m, t.id, { status: 'closed', closedAt: now, lastActivityAt: now, waitingSince: null, resolutionSeconds: secondsOn(clock, t.createdAt, now) });
      await this.tickets.insertMessage(m, {
        ticketId: t.id,
        authorId: clientId,
        authorEmail: null,
        kind: 'system',
        body: 'closed_by_client',
        minutes: null,
        messageId: this.mailer.newMessageId(),
        inReplyTo: null,
        createdAt: now,
      });
    });
  }

  /**
   * Offboarding: every ticket of the client that is not closed is closed now, each with a final system message
   * (`closed_by_offboarding`), in the caller's transaction and in two statements whatever the number of tickets.
   * No mail: the offboarding notice tells the client. Returns the ids closed.
   */
  async closeAllOfClient(m: EntityManager, clientId: number): Promise<number[]> {
    const open = await this.tickets.openOfClient(clientId, m);
    if (!open.length) return [];
    const clock = clockOf(await this.settings.current());
    const now = new Date();
    await this.tickets.closeMany(
      m,
      open.map((t) => ({ id: t.id, resolutionSeconds: secondsOn(clock, t.createdAt, now) })),
      now,
      open.map((t) => ({ ticketId: t.id, authorId: null, authorEmail: null, kind: 'system' as const, body: 'closed_by_offboarding', minutes: null, messageId: this.mailer.newMessageId(), inReplyTo: null, createdAt: now })),
    );
    return open.map((t) => t.id);
  }

  /** A file of the client's own ticket, on a message they see, for streamDownload; anything else is a 404. */
  async attachmentForClient(clientId: number, attachmentId: number): Promise<Servable> {
    const a = await this.tickets.findClientAttachment(clientId, attachmentId);
    if (!a) throw AppError.notFound('file');
    return this.files.servable(a);
  }

  private async addClientMessage(
    m: EntityManager,
    ticket: Ticket,
    client: MessageAuthor,
    body: string,
    store: StoreUpload | null,
    event: 'new_ticket' | 'client_reply',
    inboundId: number | null,
  ): Promise<TicketMessage> {
    const place = await this.mailer.place(m, ticket.id);
    const msg = await this.tickets.insertMessage(m, {
      ticketId: ticket.id,
      authorId: client.id,
      // not a user of ours (a "not a client yet" sender, or another address replying by mail): staff see the address
      authorEmail: client.id === null ? client.email.slice(0, 320) : null,
      inboundId,
      kind: 'client',
      body,
      minutes: null,
      messageId: place.messageId,
      inReplyTo: place.inReplyTo,
      createdAt: new Date(),
    });
    const files = store ? await store(m, ticket.id, msg.id) : [];
    await this.mailer.toStaff(m, ticket, client, { place, body, event, files: files.map((f) => f.originalName) });
    return msg;
  }

  /** Runs `work` with a function that stores the upload in its transaction; removes the stored bytes if it fails. */
  private withUpload<T>(upload: TicketUpload | null, work: (store: StoreUpload | null) => Promise<T>): Promise<T> {
    return withStoredUpload(this.files, upload, work);
  }

  private async requireTicket(clientId: number, id: number): Promise<Ticket> {
    const t = await this.tickets.findClientTicket(clientId, id);
    if (!t) throw AppError.notFound('ticket');
    return t;
  }

  private async requireClient(clientId: number) {
    const u = await this.users.findById(clientId);
    if (!u) throw AppError.notFound('ticket');
    return { id: u.id, email: u.email, name: u.name, locale: u.locale as Locale | null, disabled: u.disabledAt !== null };
  }

  private async productTitles(rows: Pick<Ticket, 'productId'>[]): Promise<Map<number, string>> {
    const ids = [...new Set(rows.map((r) => r.productId).filter((x): x is number => x !== null))];
    return new Map((await this.products.findByIds(ids)).map((p) => [p.id, p.title]));
  }
}

function toItem(t: Ticket, titles: Map<number, string>): ClientTicketItem {
  return {
    id: t.id,
    subject: t.subject,
    type: t.type,
    status: t.status,
    productTitle: t.productId !== null ? (titles.get(t.productId) ?? null) : null,
    lastActivityAt: t.lastActivityAt,
  };
}
