import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { User } from '../../users/entities/user.entity';
import { Subscriber } from '../subscribers/entities/subscriber.entity';
import { Subscription, SubscriptionStatus } from '../subscribers/entities/subscription.entity';
import { sqlDate } from '../../database/sql-date';
import { NewConsentEvent } from '../subscribers/subscribers.repository';

/** Rows per multi-row INSERT: well under SQLite's and MySQL's limits on bound parameters. */
const CHUNK = 500;

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

export type NewSubscriberRow = Pick<Subscriber, 'email' | 'name' | 'locale' | 'userId'>;

/**
 * Set-at-a-time reads and writes for the CSV import: a batch of rows costs a handful of statements instead of a
 * handful per row. Only used for what a batch can do safely in bulk (addresses never seen before); everything
 * else goes through SubscriptionsService row by row.
 */
@Injectable()
export class MailingImportRepository {
  async subscribersByEmail(m: EntityManager, emails: string[]): Promise<Map<string, Subscriber>> {
    const out = new Map<string, Subscriber>();
    for (const part of chunks(emails)) for (const s of await m.find(Subscriber, { where: { email: In(part) } })) out.set(s.email, s);
    return out;
  }

  async subscriptionsOn(m: EntityManager, listId: number, subscriberIds: number[]): Promise<Map<number, Subscription>> {
    const out = new Map<number, Subscription>();
    for (const part of chunks(subscriberIds)) for (const s of await m.find(Subscription, { where: { listId, subscriberId: In(part) } })) out.set(s.subscriberId, s);
    return out;
  }

  /** Client accounts with these emails: a new subscriber is linked to the account, as findOrCreate does. */
  async usersByEmail(m: EntityManager, emails: string[]): Promise<Map<string, Pick<User, 'id' | 'email' | 'name' | 'locale'>>> {
    const out = new Map<string, Pick<User, 'id' | 'email' | 'name' | 'locale'>>();
    for (const part of chunks(emails)) {
      for (const u of await m.find(User, { where: { email: In(part) }, select: { id: true, email: true, name: true, locale: true } })) out.set(u.email, u);
    }
    return out;
  }

  /** Inserts new subscribers and returns their ids by email. */
  async insertSubscribers(m: EntityManager, rows: NewSubscriberRow[], now: Date): Promise<Map<string, number>> {
    const at = sqlDate(now);
    await insertRows(m, 'subscribers', ['email', 'name', 'locale', 'user_id', 'suppressed_reason', 'suppressed_at', 'created_at', 'updated_at'], rows.map((r) => [r.email, r.name, r.locale, r.userId, null, null, at, at]));
    const ids = new Map<string, number>();
    for (const part of chunks(rows.map((r) => r.email))) {
      const found: { id: number | string; email: string }[] = await m.query(`SELECT id, email FROM subscribers WHERE email IN (${part.map(() => '?').join(', ')})`, part);
      for (const f of found) ids.set(f.email, Number(f.id));
    }
    return ids;
  }

  async insertConfirmed(m: EntityManager, listId: number, subscriberIds: number[], now: Date): Promise<void> {
    const at = sqlDate(now);
    const status: SubscriptionStatus = 'confirmed';
    await insertRows(m, 'subscriptions', ['subscriber_id', 'list_id', 'status', 'confirm_token_hash', 'confirm_sent_at', 'created_at', 'updated_at'], subscriberIds.map((id) => [id, listId, status, null, null, at, at]));
  }

  async insertConsent(m: EntityManager, events: NewConsentEvent[], now: Date): Promise<void> {
    const at = sqlDate(now);
    await insertRows(
      m,
      'consent_events',
      ['subscriber_id', 'list_id', 'campaign_id', 'action', 'source', 'ip', 'actor_user_id', 'detail', 'created_at'],
      events.map((e) => [e.subscriberId, e.listId, e.campaignId, e.action, e.source, e.ip.slice(0, 45), e.actorUserId, e.detail.slice(0, 255), at]),
    );
  }
}

/**
 * Multi-row INSERT in plain SQL: TypeORM's query builder spends far longer assembling a 500-row statement's
 * parameters than the database spends running it. Placeholders are `?` on both drivers.
 */
async function insertRows(m: EntityManager, table: string, cols: string[], rows: unknown[][]): Promise<void> {
  const one = `(${cols.map(() => '?').join(', ')})`;
  for (const part of chunks(rows)) {
    await m.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${part.map(() => one).join(', ')}`, part.flat());
  }
}
