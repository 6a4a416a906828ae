import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager, In, IsNull } from 'typeorm';
import { Database, isUniqueViolation } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { SqliteStatements } from '../database/sqlite-statements';
import { OutboxMessage, OutboxStatus } from './entities/outbox-message.entity';

export type NewOutboxMessage = Pick<
  OutboxMessage,
  'messageId' | 'idempotencyKey' | 'mailClass' | 'template' | 'locale' | 'from' | 'to' | 'subject' | 'html' | 'text' | 'headers'
>;

export interface OutboxFilter {
  status?: OutboxStatus;
  to?: string;
  limit: number;
  offset: number;
}

@Injectable()
export class OutboxRepository {
  /** SQLite: insert() as a prepared statement (every mail of the app is queued through it). */
  private readonly sqlite: SqliteStatements;

  constructor(private readonly db: Database) {
    this.sqlite = new SqliteStatements(db);
  }

  /** Returns false when a message with the same idempotency key is already queued. */
  async insert(m: EntityManager, msg: NewOutboxMessage): Promise<boolean> {
    const now = new Date();
    try {
      const s = this.sqlite.on(m);
      if (s) {
        s.insert(OutboxMessage, { ...msg, status: 'pending', attempts: 0, nextAttemptAt: now, claimToken: null, claimedAt: null, lastError: null, sentAt: null, createdAt: now });
        return true;
      }
      // updateEntity(false): nothing reads the row back (TypeORM would re-select its defaulted columns on SQLite).
      await m
        .createQueryBuilder()
        .insert()
        .into(OutboxMessage)
        .values({
          ...msg,
          status: 'pending',
          attempts: 0,
          nextAttemptAt: now,
          claimToken: null,
          claimedAt: null,
          lastError: null,
          sentAt: null,
          createdAt: now,
        })
        .updateEntity(false)
        .execute();
      return true;
    } catch (e) {
      if (msg.idempotencyKey && isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async idOfKey(m: EntityManager, idempotencyKey: string): Promise<number | null> {
    const row = await m.findOne(OutboxMessage, { select: { id: true }, where: { idempotencyKey } });
    return row?.id ?? null;
  }

  /** A message with nowhere to go (no SMTP configured): stored as `kept`, readable in the outbox viewer. */
  async insertKept(msg: NewOutboxMessage, at = new Date()): Promise<void> {
    try {
      await this.db.transaction((m) =>
        m.insert(OutboxMessage, { ...msg, status: 'kept', attempts: 1, nextAttemptAt: at, claimToken: null, claimedAt: null, lastError: null, sentAt: at, createdAt: at }),
      );
    } catch (e) {
      if (!(msg.idempotencyKey && isUniqueViolation(e))) throw e; // kept once already
    }
  }

  /**
   * Claims up to `limit` due messages for one relay run. Claiming is a conditional UPDATE per candidate set,
   * so two instances racing for the same rows each get a disjoint share.
   */
  async claimDue(now: Date, limit: number): Promise<OutboxMessage[]> {
    // A plain read first: an idle tick writes nothing (on SQLite, takes no write lock).
    const candidates = await this.db.manager
      .createQueryBuilder(OutboxMessage, 'o')
      .select('o.id', 'id')
      .where('o.status = :pending AND o.next_attempt_at <= :now', { pending: 'pending', now: sqlDate(now) })
      .orderBy('o.next_attempt_at', 'ASC')
      .addOrderBy('o.id', 'ASC')
      .limit(limit)
      .getRawMany<{ id: number }>();
    if (!candidates.length) return [];
    const token = randomUUID();
    return this.db.write(async (m) => {
      await m
        .createQueryBuilder()
        .update(OutboxMessage)
        .set({ status: 'sending', claimToken: token, claimedAt: now })
        .where({ id: In(candidates.map((c) => c.id)), status: 'pending' })
        .execute();
      return m.find(OutboxMessage, { where: { claimToken: token, status: 'sending' }, order: { id: 'ASC' } });
    });
  }

  /**
   * A relay that died mid-send leaves rows in `sending`. They go back to `pending` and are sent again with the
   * same Message-ID (at-least-once; receivers and the viewer can tell a duplicate by that id).
   */
  async releaseStale(olderThan: Date): Promise<number> {
    const res = await this.db.write((m) =>
      m
        .createQueryBuilder()
        .update(OutboxMessage)
        .set({ status: 'pending', claimToken: null })
        .where('status = :sending AND claimed_at < :t', { sending: 'sending', t: sqlDate(olderThan) })
        .execute(),
    );
    return res.affected ?? 0;
  }

  async markSent(id: number, status: 'sent' | 'kept', at: Date): Promise<void> {
    await this.db.write((m) => m.update(OutboxMessage, { id }, { status, sentAt: at, lastError: null, attempts: () => 'attempts + 1' }));
  }

  async markRetry(id: number, error: string, nextAttemptAt: Date): Promise<void> {
    await this.db.write((m) =>
      m.update(OutboxMessage, { id }, { status: 'pending', claimToken: null, lastError: error.slice(0, 2000), nextAttemptAt, attempts: () => 'attempts + 1' }),
    );
  }

  async markFailed(id: number, error: string): Promise<void> {
    await this.db.write((m) => m.update(OutboxMessage, { id }, { status: 'failed', lastError: error.slice(0, 2000), attempts: () => 'attempts + 1' }));
  }

  countByStatus(status: OutboxStatus): Promise<number> {
    return this.db.manager.countBy(OutboxMessage, { status });
  }

  /** A queued message by the idempotency key it was queued with: its id and how it stands (sent, failed…). */
  findByKey(key: string, m: EntityManager = this.db.manager): Promise<Pick<OutboxMessage, 'id' | 'status' | 'lastError' | 'sentAt' | 'subject' | 'text'> | null> {
    return m.findOne(OutboxMessage, { where: { idempotencyKey: key }, select: { id: true, status: true, lastError: true, sentAt: true, subject: true, text: true } });
  }

  /** How a message stands now, for a caller waiting on its delivery (the offboarding notice). */
  findStatus(id: number, m: EntityManager = this.db.manager): Promise<Pick<OutboxMessage, 'id' | 'status' | 'lastError' | 'sentAt'> | null> {
    return m.findOne(OutboxMessage, { where: { id }, select: { id: true, status: true, lastError: true, sentAt: true } });
  }

  findById(id: number): Promise<OutboxMessage | null> {
    return this.db.manager.findOneBy(OutboxMessage, { id });
  }

  list(f: OutboxFilter): Promise<[OutboxMessage[], number]> {
    const qb = this.db.manager.createQueryBuilder(OutboxMessage, 'o').orderBy('o.id', 'DESC').take(f.limit).skip(f.offset);
    if (f.status) qb.andWhere('o.status = :status', { status: f.status });
    if (f.to) qb.andWhere('o.to_address LIKE :to', { to: `%${f.to.toLowerCase()}%` });
    return qb.getManyAndCount();
  }

  async retryNow(id: number): Promise<void> {
    await this.db.write((m) => m.update(OutboxMessage, { id, status: In(['failed']) }, { status: 'pending', nextAttemptAt: new Date(), claimToken: null }));
  }

  /** A delivery status report said the mail hard-bounced; the first report counts. */
  async markBounced(m: EntityManager, id: number, detail: string, at = new Date()): Promise<void> {
    await m.update(OutboxMessage, { id, bouncedAt: IsNull() }, { bouncedAt: at, bounceDetail: detail.slice(0, 500) });
  }
}
