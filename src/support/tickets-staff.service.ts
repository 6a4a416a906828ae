import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../audit/actor';
import { AppError } from '../common/errors/app-error';
import { Page } from '../common/http/pagination';
import { Locale } from '../config/config';
import { Database } from '../database/database.service';
import { translate } from '../i18n/i18n';
import { ProductsRepository } from '../members/catalogue/products.repository';
import type { Servable } from '../members/client-area/file-stream';
import { SettingsService } from '../settings/settings.service';
import { STAFF_ROLES, User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import { renderCanned } from './canned-template';
import { MessageKind, Ticket, TicketPriority, TicketStatus, TicketType, TICKET_STATUSES } from './entities/ticket.entity';
import { bodyOf, FieldErrors, minutesOf, optionalIdOf, priorityOf, Q, statusOf } from './ticket-input';
import { TicketAttachments, TicketUpload } from './ticket-attachments';
import { TicketMailer } from './ticket-mail';
import { clockOf, figuresOf, MetricsClock, secondsOn } from './ticket-metrics';
import { afterStaffReply, canTransition } from './ticket-status';
import { InboxFilter, InboxSort, TicketsRepository } from './tickets.repository';
import { attachmentsByMessage, AttachmentView, StoreUpload, withStoredUpload } from './tickets.service';

export const ACTIVE_STATUSES: TicketStatus[] = ['open', 'waiting_for_staff', 'waiting_for_client'];

export interface StaffTicketItem {
  id: number;
  subject: string;
  type: TicketType;
  status: TicketStatus;
  priority: TicketPriority;
  clientId: number | null;
  clientEmail: string | null;
  clientName: string | null;
  externalEmail: string | null;
  productId: number | null;
  productTitle: string | null;
  assigneeId: number | null;
  assigneeName: string | null;
  createdAt: Date;
  lastActivityAt: Date;
  waitingSince: Date | null;
  firstResponseAt: Date | null;
  closedAt: Date | null;
  previousTicketId: number | null;
  /** Creation → first staff reply and creation → close, in business hours where configured (ticket-metrics.ts). */
  firstResponseSeconds: number | null;
  resolutionSeconds: number | null;
}

export interface StaffMessageView {
  id: number;
  kind: MessageKind;
  authorId: number | null;
  authorName: string;
  body: string;
  minutes: number | null;
  messageId: string;
  createdAt: Date;
  attachments: AttachmentView[];
}

export interface StaffTicketView extends StaffTicketItem {
  messages: StaffMessageView[];
  minutesTotal: number;
  /** The statuses staff may move the ticket to now. */
  nextStatuses: TicketStatus[];
}

/** The inbox's query string, parsed: a bad value is a 400 naming the field, never a 500. */
export interface InboxQuery {
  status: 'active' | 'all' | TicketStatus;
  type?: TicketType;
  assignee?: number | 'none';
  clientId?: number;
  client?: string;
  productId?: number;
  sort: InboxSort;
}

export function parseInboxQuery(q: Q): InboxQuery {
  const e = new FieldErrors();
  const status = q.status === undefined || q.status === '' ? 'active' : q.status === 'all' || (TICKET_STATUSES as readonly string[]).includes(q.status) ? q.status : null;
  if (status === null) e.add('status', 'tickets.errors.status');
  const type = q.type === undefined || q.type === '' ? undefined : q.type === 'support' || q.type === 'consultation' ? q.type : null;
  if (type === null) e.add('type', 'tickets.errors.type');
  const assignee = q.assignee === 'none' ? 'none' : (optionalIdOf(q.assignee, e, 'assignee') ?? undefined);
  const clientId = optionalIdOf(q.clientId, e, 'clientId') ?? undefined;
  const productId = optionalIdOf(q.productId, e, 'productId') ?? undefined;
  const sort = q.sort === undefined || q.sort === '' || q.sort === 'activity' ? 'activity' : q.sort === 'waiting' ? 'waiting' : null;
  if (sort === null) e.add('sort', 'tickets.errors.sort');
  e.throwIfAny();
  return { status: status as InboxQuery['status'], type: type ?? undefined, assignee, clientId, client: q.client?.trim() || undefined, productId, sort: sort ?? 'activity' };
}

/** The staff side of tickets: inbox, thread, replies, notes, status, assignee, priority, conversion. */
@Injectable()
export class TicketsStaffService {
  constructor(
    private readonly db: Database,
    private readonly tickets: TicketsRepository,
    private readonly files: TicketAttachments,
    private readonly mailer: TicketMailer,
    private readonly users: UsersRepository,
    private readonly products: ProductsRepository,
    private readonly settings: SettingsService,
  ) {}

  async inbox(q: InboxQuery, page: Page): Promise<{ items: StaffTicketItem[]; total: number; counts: Record<TicketStatus | 'active' | 'all', number> }> {
    let clientId = q.clientId;
    if (q.client) {
      const c = await this.users.findByEmail(q.client.toLowerCase());
      if (!c) return { items: [], total: 0, counts: { open: 0, waiting_for_staff: 0, waiting_for_client: 0, closed: 0, active: 0, all: 0 } };
      clientId = c.id;
    }
    const statuses = q.status === 'active' ? ACTIVE_STATUSES : q.status === 'all' ? [] : [q.status];
    const filter: InboxFilter = { statuses, type: q.type, assignee: q.assignee, clientId, productId: q.productId };
    const [rows, byStatus, settings] = await Promise.all([this.tickets.inbox(filter, q.sort, page), this.tickets.countByStatus(filter, q.sort), this.settings.current()]);
    const clock = clockOf(settings);
    const active = ACTIVE_STATUSES.reduce((n, s) => n + byStatus[s], 0);
    const counts = { ...byStatus, active, all: active + byStatus.closed };
    return {
      items: rows.map((r) => toStaffItem(r.ticket, r, clock)),
      total: counts[q.status],
      counts,
    };
  }

  async show(id: number): Promise<StaffTicketView> {
    const t = await this.require(id);
    const [messages, files, minutesTotal, names, settings] = await Promise.all([
      this.tickets.messages(id, true),
      this.tickets.attachments(id),
      this.tickets.minutesSpent(id),
      this.names(t),
      this.settings.current(),
    ]);
    const authors = new Map((await this.usersByIds(messages.map((msg) => msg.authorId))).map((u) => [u.id, u.name || u.email]));
    const byMessage = attachmentsByMessage(files, (a) => `/admin/tickets/files/${a.id}`);
    return {
      ...toStaffItem(t, names, clockOf(settings)),
      minutesTotal,
      nextStatuses: TICKET_STATUSES.filter((s) => canTransition(t.status, s)),
      messages: messages.map((msg) => ({
        id: msg.id,
        kind: msg.kind,
        authorId: msg.authorId,
        authorName: (msg.authorId !== null ? authors.get(msg.authorId) : null) ?? msg.authorEmail ?? '',
        body: msg.body,
        minutes: msg.minutes,
        messageId: msg.messageId,
        createdAt: msg.createdAt,
        attachments: byMessage.get(msg.id) ?? [],
      })),
    };
  }

  /** A canned reply filled in for this ticket (its client's name, product, number), for the reply box. */
  async cannedFor(ticketId: number, cannedId: number): Promise<string> {
    const [t, c] = await Promise.all([this.require(ticketId), this.tickets.findCanned(cannedId)]);
    if (!c) throw AppError.notFound('canned reply');
    const names = await this.names(t);
    return renderCanned(c.body, { name: names.clientName || names.clientEmail || t.externalEmail || '', product: names.productTitle ?? '', ticket: `#${t.id}` });
  }

  /** Staff staff may assign tickets to. */
  async staffOptions(): Promise<{ id: number; name: string }[]> {
    const [users] = await this.users.listByRoles([...STAFF_ROLES], 200, 0);
    return users.filter((u) => !u.disabledAt).map((u) => ({ id: u.id, name: u.name || u.email }));
  }

  /**
   * A staff reply: mailed to the client in the same transaction (a human reply: no Auto-Submitted). The ticket
   * then waits for the client unless `status` says otherwise; the first reply sets first_response_at.
   */
  async reply(actor: Actor, id: number, input: { body?: string; minutes?: string | number | null; status?: string }, upload: TicketUpload | null = null): Promise<void> {
    const e = new FieldErrors();
    const body = bodyOf(input.body, e);
    const minutes = minutesOf(input.minutes, e);
    const chosen = statusOf(input.status, e);
    e.throwIfAny();
    const t = await this.require(id);
    if (upload) await this.files.checkRoom(id);
    const client = await this.clientOf(t);
    const clock = clockOf(await this.settings.current());
    await withStoredUpload(this.files, upload, (store) =>
      this.db.transaction(async (m) => {
        const fresh = (await this.tickets.findTicket(id, m))!;
        const now = new Date();
        const status = afterStaffReply(fresh.status, chosen);
        await this.tickets.updateTicket(m, id, {
          status,
          lastActivityAt: now,
          waitingSince: null,
          ...firstResponse(fresh, now, clock),
          closedAt: status === 'closed' ? now : null,
          resolutionSeconds: status === 'closed' ? secondsOn(clock, fresh.createdAt, now) : null,
        });
        await this.addStaffMessage(m, { ...fresh, status }, actor, 'staff_reply', body, minutes, client, 'staff_reply', store);
      }),
    );
  }

  /**
   * An internal note: for staff only, never mailed, never on a client's page. Its file, like the note, is for
   * staff: the client's download route does not find it (TicketsRepository.findClientAttachment).
   */
  async note(actor: Actor, id: number, input: { body?: string; minutes?: string | number | null }, upload: TicketUpload | null = null): Promise<void> {
    const e = new FieldErrors();
    const body = bodyOf(input.body, e);
    const minutes = minutesOf(input.minutes, e);
    e.throwIfAny();
    const t = await this.require(id);
    if (upload) await this.files.checkRoom(id);
    await withStoredUpload(this.files, upload, (store) =>
      this.db.transaction(async (m) => {
        await this.addStaffMessage(m, t, actor, 'internal_note', body, minutes, null, null, store);
      }),
    );
  }

  /** Status, assignee and priority: each optional; a transition the table does not allow is a form error. */
  async update(actor: Actor, id: number, input: { status?: string; assigneeId?: string | number | null; priority?: string }): Promise<void> {
    const t = await this.require(id);
    const e = new FieldErrors();
    const status = statusOf(input.status, e);
    const priority = priorityOf(input.priority, e);
    const assigneeGiven = input.assigneeId !== undefined;
    const assigneeId = assigneeGiven ? optionalIdOf(input.assigneeId, e, 'assigneeId') : null;
    if (status && status !== t.status && !canTransition(t.status, status)) e.add('status', 'tickets.errors.transition');
    if (assigneeGiven && assigneeId !== null) {
      const u = await this.users.findById(assigneeId);
      if (!u || !STAFF_ROLES.includes(u.role) || u.disabledAt) e.add('assigneeId', 'tickets.errors.assignee');
    }
    e.throwIfAny();
    const patch: Partial<Ticket> = {};
    if (status && status !== t.status) {
      const now = new Date();
      const resolutionSeconds = status === 'closed' ? secondsOn(clockOf(await this.settings.current()), t.createdAt, now) : null;
      Object.assign(patch, { status, closedAt: status === 'closed' ? now : null, resolutionSeconds, lastActivityAt: now });
      if (status === 'closed' || status === 'waiting_for_client') patch.waitingSince = null;
      else patch.waitingSince = t.waitingSince ?? now;
    }
    if (priority) patch.priority = priority;
    if (assigneeGiven) patch.assigneeId = assigneeId;
    if (!Object.keys(patch).length) return;
    await this.db.transaction(async (m) => {
      await this.tickets.updateTicket(m, id, patch);
      if (patch.status) await this.addSystem(m, t, actor, `status:${patch.status}`);
    });
  }

  /**
   * Support → consultation: the ticket's type changes and the client gets a reply, in their language, with the
   * owner's consultation offer and price (Admin → Settings).
   */
  async convertToConsultation(actor: Actor, id: number, input: { minutes?: string | number | null } = {}): Promise<void> {
    const e = new FieldErrors();
    const minutes = minutesOf(input.minutes, e);
    e.throwIfAny();
    const t = await this.require(id);
    if (t.type !== 'support') throw AppError.validation({ type: 'tickets.errors.already_consultation' });
    const client = await this.clientOf(t);
    const s = await this.settings.current();
    const locale = client?.locale ?? 'en';
    const body = [translate(locale, 'tickets.conversion.message'), s.consultationOffer, s.consultationPrice ? translate(locale, 'tickets.conversion.price', { price: s.consultationPrice }) : '']
      .filter(Boolean)
      .join('\n\n');
    const clock = clockOf(s);
    await this.db.transaction(async (m) => {
      const now = new Date();
      await this.tickets.updateTicket(m, id, { type: 'consultation', status: 'waiting_for_client', lastActivityAt: now, waitingSince: null, ...firstResponse(t, now, clock), closedAt: null });
      await this.addStaffMessage(m, { ...t, type: 'consultation', status: 'waiting_for_client' }, actor, 'staff_reply', body, minutes, client, 'converted', null);
    });
  }

  async attachment(attachmentId: number): Promise<Servable> {
    const a = await this.tickets.findAttachment(attachmentId);
    if (!a) throw AppError.notFound('file');
    return this.files.servable(a);
  }

  private async addStaffMessage(
    m: EntityManager,
    t: Ticket,
    actor: Actor,
    kind: 'staff_reply' | 'internal_note',
    body: string,
    minutes: number | null,
    client: { email: string; name: string; locale: Locale | null } | null,
    event: 'staff_reply' | 'converted' | null,
    store: StoreUpload | null,
  ): Promise<void> {
    const place = await this.mailer.place(m, t.id);
    const msg = await this.tickets.insertMessage(m, {
      ticketId: t.id,
      authorId: actor.userId,
      authorEmail: null,
      kind,
      body,
      minutes,
      messageId: place.messageId,
      inReplyTo: kind === 'internal_note' ? null : place.inReplyTo,
      createdAt: new Date(),
    });
    const files = store ? await store(m, t.id, msg.id) : [];
    // a note's file stays with the note: only a reply's file is named in the client's mail (never attached: it is served after the access check)
    if (kind === 'staff_reply' && client && event) await this.mailer.toClient(m, t, client, { place, body, event, human: true, files: files.map((f) => f.originalName) });
  }

  private async addSystem(m: EntityManager, t: Ticket, actor: Actor, body: string): Promise<void> {
    await this.tickets.insertMessage(m, {
      ticketId: t.id,
      authorId: actor.userId,
      authorEmail: null,
      kind: 'system',
      body,
      minutes: null,
      messageId: this.mailer.newMessageId(),
      inReplyTo: null,
      createdAt: new Date(),
    });
  }

  private async require(id: number): Promise<Ticket> {
    const t = await this.tickets.findTicket(id);
    if (!t) throw AppError.notFound('ticket');
    return t;
  }

  /** Where mail to the client goes: the user, or the "not a client yet" address. */
  private async clientOf(t: Ticket): Promise<{ email: string; name: string; locale: Locale | null } | null> {
    if (t.clientId !== null) {
      const u = await this.users.findById(t.clientId);
      if (u) return { email: u.email, name: u.name, locale: u.locale as Locale | null };
    }
    return t.externalEmail ? { email: t.externalEmail, name: '', locale: null } : null;
  }

  private async names(t: Ticket) {
    const [client, assignee, product] = await Promise.all([
      t.clientId !== null ? this.users.findById(t.clientId) : null,
      t.assigneeId !== null ? this.users.findById(t.assigneeId) : null,
      t.productId !== null ? this.products.findById(t.productId) : null,
    ]);
    return {
      clientEmail: client?.email ?? null,
      clientName: client?.name ?? null,
      assigneeName: assignee ? assignee.name || assignee.email : null,
      productTitle: product?.title ?? null,
    };
  }

  private async usersByIds(ids: (number | null)[]): Promise<User[]> {
    const unique = [...new Set(ids.filter((x): x is number => x !== null))];
    return (await Promise.all(unique.map((uid) => this.users.findById(uid)))).filter((u): u is User => !!u);
  }
}

/**
 * The first staff reply's stamp: its time and how long the client waited for it, stored once. Only a human staff
 * reply (a reply, or the conversion's templated message) comes here: notes, system lines and acknowledgements never do.
 */
function firstResponse(t: Ticket, now: Date, clock: MetricsClock): Pick<Ticket, 'firstResponseAt' | 'firstResponseSeconds'> {
  if (t.firstResponseAt) return { firstResponseAt: t.firstResponseAt, firstResponseSeconds: t.firstResponseSeconds };
  return { firstResponseAt: now, firstResponseSeconds: secondsOn(clock, t.createdAt, now) };
}

function toStaffItem(
  t: Ticket,
  n: { clientEmail: string | null; clientName: string | null; productTitle: string | null; assigneeName: string | null },
  clock: MetricsClock,
): StaffTicketItem {
  return {
    id: t.id,
    subject: t.subject,
    type: t.type,
    status: t.status,
    priority: t.priority,
    clientId: t.clientId,
    clientEmail: n.clientEmail,
    clientName: n.clientName,
    externalEmail: t.externalEmail,
    productId: t.productId,
    productTitle: n.productTitle,
    assigneeId: t.assigneeId,
    assigneeName: n.assigneeName,
    createdAt: t.createdAt,
    lastActivityAt: t.lastActivityAt,
    waitingSince: t.waitingSince,
    firstResponseAt: t.firstResponseAt,
    closedAt: t.closedAt,
    previousTicketId: t.previousTicketId,
    ...figuresOf(t, clock),
  };
}
