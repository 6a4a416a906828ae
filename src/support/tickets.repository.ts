import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull, LessThan, Not, SelectQueryBuilder } from 'typeorm';
import { Page } from '../common/http/pagination';
import { Database, isUniqueViolation } from '../database/database.service';
import { insertRows } from '../database/raw';
import { sqlDate } from '../database/sql-date';
import { SqliteStatements } from '../database/sqlite-statements';
import { CannedReply, MessageKind, Ticket, TicketAttachment, TicketMailAck, TicketMessage, TicketStatus, TicketType, TICKET_STATUSES } from './entities/ticket.entity';

export interface InboxFilter {
  statuses: TicketStatus[];
  type?: TicketType;
  /** A staff user's id, or 'none' for unassigned tickets. */
  assignee?: number | 'none';
  clientId?: number;
  productId?: number;
}

/** `activity`: last activity, newest first. `waiting`: tickets whose client waits for staff, longest wait first. */
export type InboxSort = 'activity' | 'waiting';

/** One inbox line: the ticket and the names shown beside it. */
export interface InboxRow {
  ticket: Ticket;
  clientEmail: string | null;
  clientName: string | null;
  productTitle: string | null;
  assigneeName: string | null;
}

type NewTicket = Omit<Ticket, 'id' | 'closedAt' | 'firstResponseAt' | 'previousTicketId' | 'externalEmail' | 'firstResponseSeconds' | 'resolutionSeconds'> &
  Partial<Pick<Ticket, 'previousTicketId' | 'externalEmail'>>;

/**
 * On SQLite the statements a ticket mail makes (the inbound listener's hot path: every one of them once or twice per
 * mail) are prepared statements on the connection of the manager they are given (SqliteStatements), with the
 * same SQL meaning and the same values as the TypeORM calls MySQL/MariaDB takes.
 */
/** threadEnds() in one statement: the first and the last of the ticket's mailed messages, by id. */
const THREAD_ENDS_SQL = `SELECT
  (SELECT message_id FROM ticket_messages WHERE ticket_id = ? AND kind IN ('client', 'staff_reply') ORDER BY id ASC LIMIT 1) AS first,
  (SELECT message_id FROM ticket_messages WHERE ticket_id = ? AND kind IN ('client', 'staff_reply') ORDER BY id DESC LIMIT 1) AS last`;

@Injectable()
export class TicketsRepository {
  private readonly sqlite: SqliteStatements;

  constructor(private readonly db: Database) {
    this.sqlite = new SqliteStatements(db);
  }

  insertTicket(m: EntityManager, data: NewTicket): Promise<Ticket> {
    return m.save(Ticket, m.create(Ticket, { previousTicketId: null, externalEmail: null, firstResponseAt: null, closedAt: null, firstResponseSeconds: null, resolutionSeconds: null, ...data }));
  }

  async insertMessage(m: EntityManager, data: Omit<TicketMessage, 'id' | 'inboundId'> & Partial<Pick<TicketMessage, 'inboundId'>>): Promise<TicketMessage> {
    const row = m.create(TicketMessage, { inboundId: null, ...data });
    const s = this.sqlite.on(m);
    if (!s) return m.save(TicketMessage, row);
    row.id = s.insert(TicketMessage, row);
    return row;
  }

  /** The ticket of the newest of our messages among `messageIds` (`<…>` as stored), or null: what a mail's In-Reply-To / References name. */
  async ticketOfMessageIds(messageIds: string[]): Promise<number | null> {
    if (!messageIds.length) return null;
    const row = await this.db.manager.findOne(TicketMessage, { where: { messageId: In(messageIds) }, order: { id: 'DESC' }, select: { id: true, ticketId: true } });
    return row?.ticketId ?? null;
  }

  /** The message a received mail became, if it did already (inbound_messages.id). */
  /** Whether a message was already made of this inbound mail (a retried delivery handled twice). */
  async hasInboundMessage(inboundId: number, m: EntityManager = this.db.manager): Promise<boolean> {
    const s = this.sqlite.on(m);
    if (s) return s.get('SELECT 1 AS found FROM ticket_messages WHERE inbound_id = ? LIMIT 1', [inboundId]) !== undefined;
    return (await m.findOne(TicketMessage, { where: { inboundId }, select: { id: true } })) !== null;
  }

  /**
   * Claims today's acknowledgement for `email`, in the caller's transaction: true when this is the first today.
   * The primary key (email, day) decides, so two mails racing on two connections still get one answer.
   */
  async claimAck(m: EntityManager, email: string, day: string, ticketId: number): Promise<boolean> {
    if (await m.existsBy(TicketMailAck, { email, day })) return false;
    try {
      // a failed INSERT undoes only itself on both engines: the transaction goes on
      await m.insert(TicketMailAck, { email, day, ticketId, createdAt: new Date() });
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  /**
   * A "not a client yet" ticket becomes the client's: the ticket, and the messages its sender wrote from that
   * address, which are the client's own from now on.
   */
  async linkToClient(m: EntityManager, ticketId: number, clientId: number, email: string): Promise<void> {
    await m.update(Ticket, { id: ticketId }, { clientId, externalEmail: null });
    await m.update(TicketMessage, { ticketId, kind: 'client', authorId: IsNull(), authorEmail: email }, { authorId: clientId, authorEmail: null });
  }

  async insertAttachment(m: EntityManager, data: Omit<TicketAttachment, 'id'>): Promise<TicketAttachment> {
    const row = m.create(TicketAttachment, data);
    const s = this.sqlite.on(m);
    if (!s) return m.save(TicketAttachment, row);
    row.id = s.insert(TicketAttachment, row);
    return row;
  }

  async findTicket(id: number, m: EntityManager = this.db.manager): Promise<Ticket | null> {
    const s = this.sqlite.on(m);
    return s ? s.findOne(Ticket, 'id = ?', [id]) : m.findOneBy(Ticket, { id });
  }

  /** Whether the ticket exists (the listener's check at RCPT TO). */
  async ticketExists(id: number): Promise<boolean> {
    const s = this.sqlite.on(this.db.manager);
    if (s) return s.get('SELECT 1 AS found FROM tickets WHERE id = ?', [id]) !== undefined;
    return this.db.manager.existsBy(Ticket, { id });
  }

  /** The client's own ticket, or null (another client's ticket does not exist for them). */
  findClientTicket(clientId: number, id: number, m: EntityManager = this.db.manager): Promise<Ticket | null> {
    return m.findOneBy(Ticket, { id, clientId });
  }

  /**
   * A patch that moves closed_at without saying the resolution time clears it, so a figure from an earlier close
   * never outlives a reopen (a ticket closed without one has it computed when shown; ticket-metrics.ts).
   */
  async updateTicket(m: EntityManager, id: number, patch: Partial<Omit<Ticket, 'id'>>): Promise<void> {
    const p = 'closedAt' in patch && !('resolutionSeconds' in patch) ? { ...patch, resolutionSeconds: null } : patch;
    const s = this.sqlite.on(m);
    if (s) s.update(Ticket, id, p);
    else await m.update(Ticket, { id }, p);
  }

  /** The thread, oldest first; without internal notes unless asked for. */
  messages(ticketId: number, withInternal: boolean): Promise<TicketMessage[]> {
    return this.db.manager.find(TicketMessage, {
      where: withInternal ? { ticketId } : { ticketId, kind: Not('internal_note') },
      order: { id: 'ASC' },
    });
  }

  /** The messages mail threads on (notes and status lines never leave the house): the first and the last, for References. */
  async threadEnds(m: EntityManager, ticketId: number): Promise<{ first: string | null; last: string | null }> {
    // only what went out by mail: the client's messages (announced to staff) and staff replies
    const s = this.sqlite.on(m);
    if (s) {
      const [row] = s.all(THREAD_ENDS_SQL, [ticketId, ticketId]) as { first: string | null; last: string | null }[];
      return { first: row?.first ?? null, last: row?.last ?? null };
    }
    const where = { ticketId, kind: In(['client', 'staff_reply'] as MessageKind[]) };
    const [first, last] = await Promise.all([
      m.findOne(TicketMessage, { where, order: { id: 'ASC' }, select: { id: true, messageId: true } }),
      m.findOne(TicketMessage, { where, order: { id: 'DESC' }, select: { id: true, messageId: true } }),
    ]);
    return { first: first?.messageId ?? null, last: last?.messageId ?? null };
  }

  attachments(ticketId: number): Promise<TicketAttachment[]> {
    return this.db.manager.find(TicketAttachment, { where: { ticketId }, order: { id: 'ASC' } });
  }

  findAttachment(id: number): Promise<TicketAttachment | null> {
    return this.db.manager.findOneBy(TicketAttachment, { id });
  }

  /**
   * A file as its client may have it: on their own ticket, and on a message they can see. A file on an internal
   * note is not there for them, exactly like a file that does not exist.
   */
  findClientAttachment(clientId: number, id: number): Promise<TicketAttachment | null> {
    return this.db.manager
      .createQueryBuilder(TicketAttachment, 'a')
      .innerJoin(Ticket, 't', 't.id = a.ticket_id')
      .innerJoin(TicketMessage, 'm', 'm.id = a.message_id')
      .where('a.id = :id', { id })
      .andWhere('t.client_id = :clientId', { clientId })
      .andWhere('m.kind <> :note', { note: 'internal_note' })
      .getOne();
  }

  async countAttachments(ticketId: number): Promise<number> {
    const s = this.sqlite.on(this.db.manager);
    if (s) return Number(s.get('SELECT COUNT(*) AS n FROM ticket_attachments WHERE ticket_id = ?', [ticketId])!.n);
    return this.db.manager.countBy(TicketAttachment, { ticketId });
  }

  listForClient(clientId: number, limit = 200): Promise<Ticket[]> {
    return this.db.manager.find(Ticket, { where: { clientId }, order: { lastActivityAt: 'DESC', id: 'DESC' }, take: limit });
  }

  async minutesSpent(ticketId: number): Promise<number> {
    const r = await this.db.manager
      .createQueryBuilder(TicketMessage, 'm')
      .select('COALESCE(SUM(m.minutes), 0)', 'total')
      .where('m.ticket_id = :ticketId', { ticketId })
      .getRawOne<{ total: string | number }>();
    return Number(r?.total ?? 0);
  }

  /**
   * One inbox page, in two steps. First the page's ids: each filter is an equality on the leading column of an
   * index whose next column is the sort key, and the id is in every index, so the page (offset included) is read
   * off the index alone, never the table (see the EXPLAIN test, test/e2e/tickets-inbox). Then those few rows, with
   * the names shown beside them.
   */
  async inbox(filter: InboxFilter, sort: InboxSort, page: Page): Promise<InboxRow[]> {
    const ids = (await this.pageIds(filter, sort, page).getRawMany<{ id: number | string }>()).map((r) => Number(r.id));
    if (!ids.length) return [];
    const { entities, raw } = await this.db.manager
      .createQueryBuilder(Ticket, 't')
      .leftJoin('users', 'c', 'c.id = t.client_id')
      .leftJoin('users', 'a', 'a.id = t.assignee_id')
      .leftJoin('products', 'p', 'p.id = t.product_id')
      .addSelect(['c.email AS client_email', 'c.name AS client_name', 'a.name AS assignee_name', 'a.email AS assignee_email', 'p.title AS product_title'])
      .where('t.id IN (:...ids)', { ids })
      .getRawAndEntities();
    const extra = new Map(raw.map((r) => [Number(r.t_id), r]));
    const byId = new Map(entities.map((e) => [e.id, e]));
    return ids
      .filter((id) => byId.has(id))
      .map((id) => {
        const r = extra.get(id) ?? {};
        return {
          ticket: byId.get(id)!,
          clientEmail: (r.client_email as string | null) ?? null,
          clientName: (r.client_name as string | null) ?? null,
          productTitle: (r.product_title as string | null) ?? null,
          assigneeName: ((r.assignee_name as string | null) || (r.assignee_email as string | null)) ?? null,
        };
      });
  }

  /** The query of a page's ids, as SQL, for the EXPLAIN test. */
  inboxSql(filter: InboxFilter, sort: InboxSort, page: Page): [string, unknown[]] {
    return this.pageIds(filter, sort, page).getQueryAndParameters();
  }

  private pageIds(filter: InboxFilter, sort: InboxSort, page: Page): SelectQueryBuilder<Ticket> {
    const qb = this.filtered(filter, sort).select('t.id', 'id');
    if (sort === 'waiting') qb.orderBy('t.waiting_since', 'ASC').addOrderBy('t.id', 'ASC');
    else qb.orderBy('t.last_activity_at', 'DESC').addOrderBy('t.id', 'DESC');
    return qb.limit(page.limit).offset(page.offset);
  }

  /**
   * How many tickets each status has under the other filters (the counts beside the status filter). Counted row
   * by row, the closed tickets are a scan of the whole history (at 100k tickets, 98% of them: the page took 3–4
   * times as long as at 1k): so the active statuses are counted off the index (a short range of each), and the
   * closed ones are the rest of COUNT(*) under the same filters, which SQLite answers from the index's page
   * counts when there is no other filter, and from a range of an index when there is.
   */
  async countByStatus(filter: Omit<InboxFilter, 'statuses'>, sort: InboxSort): Promise<Record<TicketStatus, number>> {
    const active = TICKET_STATUSES.filter((s) => s !== 'closed');
    const [rows, all] = await Promise.all([
      this.filtered({ ...filter, statuses: [] }, sort)
        .andWhere('t.status IN (:...active)', { active })
        .select('t.status', 'status')
        .addSelect('COUNT(*)', 'n')
        .groupBy('t.status')
        .getRawMany<{ status: TicketStatus; n: string | number }>(),
      this.filtered({ ...filter, statuses: [] }, sort).select('COUNT(*)', 'n').getRawOne<{ n: string | number }>(),
    ]);
    const out = { open: 0, waiting_for_staff: 0, waiting_for_client: 0, closed: 0 };
    for (const r of rows) if (r.status in out) out[r.status] = Number(r.n);
    out.closed = Number(all?.n ?? 0) - out.open - out.waiting_for_staff - out.waiting_for_client;
    return out;
  }

  private filtered(f: InboxFilter, sort: InboxSort): SelectQueryBuilder<Ticket> {
    const qb = this.db.manager.createQueryBuilder(Ticket, 't');
    // Sorted by waiting time, the list is the tickets whose client waits (waiting_since is set only while a ticket
    // is open or waiting for staff): a status list adds nothing but would make the planner sort, so it is left out.
    const statuses = sort === 'waiting' && f.statuses.length > 1 ? [] : f.statuses;
    if (statuses.length === 1) qb.andWhere('t.status = :status', { status: statuses[0] });
    else if (statuses.length) qb.andWhere('t.status IN (:...statuses)', { statuses });
    if (f.type) qb.andWhere('t.type = :type', { type: f.type });
    if (f.assignee === 'none') qb.andWhere('t.assignee_id IS NULL');
    else if (f.assignee) qb.andWhere('t.assignee_id = :assignee', { assignee: f.assignee });
    if (f.clientId) qb.andWhere('t.client_id = :clientId', { clientId: f.clientId });
    if (f.productId) qb.andWhere('t.product_id = :productId', { productId: f.productId });
    if (sort === 'waiting') qb.andWhere('t.waiting_since IS NOT NULL');
    return qb;
  }

  /** The client's tickets that are not closed, oldest first (offboarding closes them). */
  openOfClient(clientId: number, m: EntityManager = this.db.manager): Promise<Ticket[]> {
    return m.find(Ticket, { where: { clientId, status: Not('closed') }, order: { id: 'ASC' } });
  }

  /**
   * Closes these tickets in one statement, each with its own resolution time (a CASE over the ids), and adds their
   * system messages in one INSERT. For offboarding: no round trip per ticket.
   */
  async closeMany(m: EntityManager, closes: { id: number; resolutionSeconds: number | null }[], now: Date, messages: Omit<TicketMessage, 'id' | 'inboundId'>[]): Promise<void> {
    for (let i = 0; i < closes.length; i += 300) {
      const part = closes.slice(i, i + 300);
      const cases = part.map(() => 'WHEN ? THEN ?').join(' ');
      await m.query(
        `UPDATE tickets SET status = 'closed', closed_at = ?, last_activity_at = ?, waiting_since = NULL,
                resolution_seconds = CASE id ${cases} ELSE resolution_seconds END
          WHERE id IN (${part.map(() => '?').join(', ')}) AND status <> 'closed'`,
        [sqlDate(now), sqlDate(now), ...part.flatMap((c) => [c.id, c.resolutionSeconds]), ...part.map((c) => c.id)],
      );
    }
    await insertRows(
      m,
      'ticket_messages',
      ['ticket_id', 'author_id', 'author_email', 'kind', 'body', 'minutes', 'message_id', 'in_reply_to', 'created_at', 'inbound_id'],
      messages.map((x) => [x.ticketId, x.authorId, x.authorEmail, x.kind, x.body, x.minutes, x.messageId, x.inReplyTo, sqlDate(x.createdAt), null]),
    );
  }

  /** Tickets waiting for the client since before `before`, oldest first. */
  dueForAutoClose(before: Date, limit: number): Promise<Ticket[]> {
    return this.db.manager.find(Ticket, {
      where: { status: 'waiting_for_client', lastActivityAt: LessThan(before) },
      order: { lastActivityAt: 'ASC', id: 'ASC' },
      take: limit,
    });
  }

  /**
   * Closes the ticket only if it is still as the job saw it (waiting for the client, no activity since): a reply
   * that came in meanwhile, or another instance that closed it first, makes this a no-op (false).
   */
  async closeIfUntouched(m: EntityManager, t: Pick<Ticket, 'id' | 'lastActivityAt'>, now: Date, resolutionSeconds: number | null = null): Promise<boolean> {
    const res = await m
      .createQueryBuilder()
      .update(Ticket)
      .set({ status: 'closed', closedAt: now, lastActivityAt: now, waitingSince: null, resolutionSeconds })
      .where("id = :id AND status = 'waiting_for_client' AND last_activity_at = :at", { id: t.id, at: sqlDate(t.lastActivityAt) })
      .execute();
    return (res.affected ?? 0) === 1;
  }

  // canned replies

  listCanned(): Promise<CannedReply[]> {
    return this.db.manager.find(CannedReply, { order: { title: 'ASC', id: 'ASC' } });
  }

  findCanned(id: number): Promise<CannedReply | null> {
    return this.db.manager.findOneBy(CannedReply, { id });
  }

  insertCanned(m: EntityManager, data: Pick<CannedReply, 'title' | 'body'>): Promise<CannedReply> {
    const now = new Date();
    return m.save(CannedReply, m.create(CannedReply, { ...data, createdAt: now, updatedAt: now }));
  }

  async updateCanned(m: EntityManager, id: number, data: Pick<CannedReply, 'title' | 'body'>): Promise<void> {
    await m.update(CannedReply, { id }, { ...data, updatedAt: new Date() });
  }

  async deleteCanned(m: EntityManager, id: number): Promise<void> {
    await m.delete(CannedReply, { id });
  }
}
