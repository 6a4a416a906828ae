import { Injectable } from '@nestjs/common';
import { SelectQueryBuilder } from 'typeorm';
import { Database } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { Ticket, TicketMessage, TicketStatus, TicketType } from './entities/ticket.entity';

const OPEN: TicketStatus[] = ['open', 'waiting_for_staff', 'waiting_for_client'];

/** One line of a client's ticket history. */
export interface ClientTicketRow {
  ticket: Ticket;
  minutes: number;
}

/**
 * The queries of ticket metrics. Each is bounded by an index: the overall figures read a recent window (the
 * tickets first answered since a date, at most `cap` of them; the minutes logged since a date), a client's read
 * that client's tickets only. None reads all tickets (the EXPLAIN test, test/e2e/ticket-metrics-plans).
 */
@Injectable()
export class TicketMetricsRepository {
  constructor(private readonly db: Database) {}

  /** First-response figures of the tickets first answered since `since`, the latest `cap` (ix_tickets_first_response). */
  async recentFirstResponses(since: Date, cap: number): Promise<number[]> {
    const rows = await this.recentFirstResponsesQuery(since, cap).getRawMany<{ s: number | string }>();
    return rows.map((r) => Number(r.s));
  }

  /** A client's median first response, read off ix_tickets_client_first_response: a count, then the middle one or two. */
  async clientMedianFirstResponse(clientId: number): Promise<{ median: number | null; answered: number }> {
    const answered = Number((await this.clientAnswered(clientId).select('COUNT(*)', 'n').getRawOne<{ n: string | number }>())?.n ?? 0);
    if (!answered) return { median: null, answered };
    const rows = await this.clientMedianQuery(clientId, answered).getRawMany<{ s: number | string }>();
    const mid = rows.map((r) => Number(r.s));
    return { median: mid.length === 2 ? Math.round((mid[0] + mid[1]) / 2) : mid[0], answered };
  }

  /** Tickets not closed, of everyone or of one client. */
  async openCount(clientId?: number): Promise<number> {
    const r = await this.openCountQuery(clientId).getRawOne<{ n: string | number }>();
    return Number(r?.n ?? 0);
  }

  /** Staff minutes logged on replies and notes since `since` (ix_ticket_messages_created). */
  async minutesSince(since: Date): Promise<number> {
    const r = await this.minutesSinceQuery(since).getRawOne<{ total: string | number | null }>();
    return Number(r?.total ?? 0);
  }

  /** Staff minutes logged on a client's tickets, per ticket (only tickets with minutes are listed). */
  async clientMinutesByTicket(clientId: number): Promise<Map<number, number>> {
    const rows = await this.db.manager
      .createQueryBuilder(TicketMessage, 'm')
      .innerJoin(Ticket, 't', 't.id = m.ticket_id')
      .select('m.ticket_id', 'id')
      .addSelect('SUM(m.minutes)', 'total')
      .where('t.client_id = :clientId', { clientId })
      .andWhere('m.minutes IS NOT NULL')
      .groupBy('m.ticket_id')
      .getRawMany<{ id: number | string; total: number | string }>();
    return new Map(rows.map((r) => [Number(r.id), Number(r.total)]));
  }

  /** How many tickets a client has, and how many of them are consultations. */
  async clientCounts(clientId: number): Promise<{ tickets: number; consultations: number }> {
    const consultation: TicketType = 'consultation';
    const r = await this.db.manager
      .createQueryBuilder(Ticket, 't')
      .select('COUNT(*)', 'n')
      .addSelect('SUM(CASE WHEN t.type = :consultation THEN 1 ELSE 0 END)', 'c')
      .where('t.client_id = :clientId', { clientId, consultation })
      .getRawOne<{ n: string | number; c: string | number | null }>();
    return { tickets: Number(r?.n ?? 0), consultations: Number(r?.c ?? 0) };
  }

  /** A client's tickets, the most recently created first. */
  clientTickets(clientId: number, limit: number): Promise<Ticket[]> {
    return this.db.manager.find(Ticket, { where: { clientId }, order: { createdAt: 'DESC', id: 'DESC' }, take: limit });
  }

  /** When the client wrote each of their messages (kind client), on any of their tickets. */
  async clientMessageTimes(clientId: number): Promise<Date[]> {
    const rows = await this.db.manager
      .createQueryBuilder(TicketMessage, 'm')
      .innerJoin(Ticket, 't', 't.id = m.ticket_id')
      .select('m.created_at', 'at')
      .where('t.client_id = :clientId', { clientId })
      .andWhere("m.kind = 'client'")
      .getRawMany<{ at: Date | string }>();
    return rows.map((r) => (r.at instanceof Date ? r.at : new Date(`${String(r.at).replace(' ', 'T')}Z`)));
  }

  /** The SQL of the overall summary's queries, for the EXPLAIN test. */
  summarySql(since: Date, cap: number): Record<'recentFirstResponses' | 'openCount' | 'minutesSince', [string, unknown[]]> {
    return {
      recentFirstResponses: this.recentFirstResponsesQuery(since, cap).getQueryAndParameters(),
      openCount: this.openCountQuery().getQueryAndParameters(),
      minutesSince: this.minutesSinceQuery(since).getQueryAndParameters(),
    };
  }

  /** The SQL of a client's median (count and middle), for the EXPLAIN test. */
  clientMedianSql(clientId: number): [string, unknown[]][] {
    return [this.clientAnswered(clientId).select('COUNT(*)', 'n').getQueryAndParameters(), this.clientMedianQuery(clientId, 10).getQueryAndParameters()];
  }

  private recentFirstResponsesQuery(since: Date, cap: number): SelectQueryBuilder<Ticket> {
    return this.db.manager
      .createQueryBuilder(Ticket, 't')
      .select('t.first_response_seconds', 's')
      .where('t.first_response_at >= :since', { since: sqlDate(since) })
      .andWhere('t.first_response_seconds IS NOT NULL')
      .orderBy('t.first_response_at', 'DESC')
      .limit(cap);
  }

  private clientAnswered(clientId: number): SelectQueryBuilder<Ticket> {
    return this.db.manager.createQueryBuilder(Ticket, 't').where('t.client_id = :clientId', { clientId }).andWhere('t.first_response_seconds IS NOT NULL');
  }

  private clientMedianQuery(clientId: number, answered: number): SelectQueryBuilder<Ticket> {
    return this.clientAnswered(clientId)
      .select('t.first_response_seconds', 's')
      .orderBy('t.first_response_seconds', 'ASC')
      .limit(answered % 2 ? 1 : 2)
      .offset(answered % 2 ? (answered - 1) / 2 : answered / 2 - 1);
  }

  private openCountQuery(clientId?: number): SelectQueryBuilder<Ticket> {
    const qb = this.db.manager.createQueryBuilder(Ticket, 't').select('COUNT(*)', 'n').where('t.status IN (:...open)', { open: OPEN });
    if (clientId !== undefined) qb.andWhere('t.client_id = :clientId', { clientId });
    return qb;
  }

  private minutesSinceQuery(since: Date): SelectQueryBuilder<TicketMessage> {
    return this.db.manager
      .createQueryBuilder(TicketMessage, 'm')
      .select('COALESCE(SUM(m.minutes), 0)', 'total')
      .where('m.created_at >= :since', { since: sqlDate(since) });
  }
}
