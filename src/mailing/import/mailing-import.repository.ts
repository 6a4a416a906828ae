import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { User } from '../../users/entities/user.entity';
import { ConsentEvent } from '../entities/consent-event.entity';
import { Subscriber } from '../entities/subscriber.entity';
import { Subscription } from '../entities/subscription.entity';
import { NewConsentEvent } from '../subscribers.repository';

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
    for (const part of chunks(rows)) {
      await m
        .createQueryBuilder()
        .insert()
        .into(Subscriber)
        .values(part.map((r) => ({ ...r, suppressedReason: null, suppressedAt: null, createdAt: now, updatedAt: now })))
        .updateEntity(false)
        .execute();
    }
    const ids = new Map<string, number>();
    for (const part of chunks(rows.map((r) => r.email))) {
      for (const s of await m.find(Subscriber, { where: { email: In(part) }, select: { id: true, email: true } })) ids.set(s.email, s.id);
    }
    return ids;
  }

  async insertConfirmed(m: EntityManager, listId: number, subscriberIds: number[], now: Date): Promise<void> {
    for (const part of chunks(subscriberIds)) {
      await m
        .createQueryBuilder()
        .insert()
        .into(Subscription)
        .values(part.map((subscriberId) => ({ subscriberId, listId, status: 'confirmed' as const, confirmTokenHash: null, confirmSentAt: null, createdAt: now, updatedAt: now })))
        .updateEntity(false)
        .execute();
    }
  }

  async insertConsent(m: EntityManager, events: NewConsentEvent[], now: Date): Promise<void> {
    for (const part of chunks(events)) {
      await m
        .createQueryBuilder()
        .insert()
        .into(ConsentEvent)
        .values(part.map((e) => ({ ...e, ip: e.ip.slice(0, 45), detail: e.detail.slice(0, 255), createdAt: now })))
        .updateEntity(false)
        .execute();
    }
  }
}
