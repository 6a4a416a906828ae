import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Database } from '../../database/database.service';
import { insertRows } from '../../database/raw';
import { sqlDate } from '../../database/sql-date';
import { normaliseEmail } from '../../common/email';
import { User } from '../../users/entities/user.entity';
import { ConsentEvent } from './entities/consent-event.entity';
import { Subscriber, SuppressionReason } from './entities/subscriber.entity';
import { Subscription, SubscriptionStatus } from './entities/subscription.entity';

export type NewConsentEvent = Omit<ConsentEvent, 'id' | 'createdAt'>;

export interface SubscriberSearch {
  q?: string;
  listId?: number;
  status?: SubscriptionStatus;
  suppressed?: boolean;
  limit: number;
  offset: number;
}

/** Subscribers, their per-list subscriptions and the consent record: every query of the mailing audience. */
@Injectable()
export class SubscribersRepository {
  constructor(private readonly db: Database) {}

  findById(id: number, m: EntityManager = this.db.manager): Promise<Subscriber | null> {
    return m.findOneBy(Subscriber, { id });
  }

  findByEmail(email: string, m: EntityManager = this.db.manager): Promise<Subscriber | null> {
    return m.findOneBy(Subscriber, { email: normaliseEmail(email) });
  }

  /**
   * The subscriber with this email, created if new (linked to the client account with the same email). Safe
   * under concurrent calls: the unique email index decides, the loser reads the winner's row.
   */
  async findOrCreate(m: EntityManager, data: { email: string; name?: string; locale?: Subscriber['locale'] }): Promise<{ subscriber: Subscriber; created: boolean }> {
    const email = normaliseEmail(data.email);
    const existing = await m.findOneBy(Subscriber, { email });
    const user = existing?.userId ? null : await m.findOneBy(User, { email });
    if (existing) {
      // The client account may have come after the subscription: link them now.
      if (user) {
        await m.update(Subscriber, { id: existing.id }, { userId: user.id });
        existing.userId = user.id;
      }
      return { subscriber: existing, created: false };
    }
    const now = new Date();
    const row = m.create(Subscriber, {
      email,
      name: (data.name ?? user?.name ?? '').slice(0, 200),
      locale: data.locale ?? user?.locale ?? null,
      userId: user?.id ?? null,
      suppressedReason: null,
      suppressedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    await m.insert(Subscriber, row);
    return { subscriber: row, created: true };
  }

  async updateProfile(m: EntityManager, id: number, patch: Partial<Pick<Subscriber, 'name' | 'locale'>>): Promise<void> {
    await m.update(Subscriber, { id }, { ...patch, updatedAt: new Date() });
  }

  async setSuppression(m: EntityManager, id: number, reason: SuppressionReason | null, at: Date): Promise<void> {
    await m.update(Subscriber, { id }, { suppressedReason: reason, suppressedAt: reason ? at : null, updatedAt: at });
  }

  findSubscription(subscriberId: number, listId: number, m: EntityManager = this.db.manager): Promise<Subscription | null> {
    return m.findOneBy(Subscription, { subscriberId, listId });
  }

  findSubscriptionByTokenHash(hash: string, m: EntityManager = this.db.manager): Promise<Subscription | null> {
    return m.findOneBy(Subscription, { confirmTokenHash: hash });
  }

  subscriptionsOf(subscriberId: number, m: EntityManager = this.db.manager): Promise<Subscription[]> {
    return m.find(Subscription, { where: { subscriberId }, order: { listId: 'ASC' } });
  }

  subscriptionsOfMany(subscriberIds: number[], m: EntityManager = this.db.manager): Promise<Subscription[]> {
    if (!subscriberIds.length) return Promise.resolve([]);
    return m.find(Subscription, { where: { subscriberId: In(subscriberIds) }, order: { listId: 'ASC' } });
  }

  /** Inserts or updates the one row per subscriber × list. */
  async saveSubscription(
    m: EntityManager,
    subscriberId: number,
    listId: number,
    patch: Pick<Subscription, 'status'> & Partial<Pick<Subscription, 'confirmTokenHash' | 'confirmSentAt'>>,
  ): Promise<void> {
    const now = new Date();
    const res = await m.update(Subscription, { subscriberId, listId }, { ...patch, updatedAt: now });
    if (res.affected) return;
    await m.insert(Subscription, {
      subscriberId,
      listId,
      confirmTokenHash: null,
      confirmSentAt: null,
      ...patch,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** The lists this subscriber is on (confirmed or waiting to confirm), with their names. */
  async listsOn(subscriberId: number, m: EntityManager = this.db.manager): Promise<{ id: number; name: string }[]> {
    const rows: { id: number | string; name: string }[] = await m.query(
      `SELECT l.id, l.name FROM subscriptions s INNER JOIN mailing_lists l ON l.id = s.list_id
        WHERE s.subscriber_id = ? AND s.status <> 'unsubscribed' ORDER BY l.id`,
      [subscriberId],
    );
    return rows.map((r) => ({ id: Number(r.id), name: String(r.name) }));
  }

  /** Every subscription of the subscriber not ended yet, ended in one statement. */
  async endSubscriptions(m: EntityManager, subscriberId: number, at: Date): Promise<void> {
    await m.update(Subscription, { subscriberId, status: In(['confirmed', 'unconfirmed']) }, { status: 'unsubscribed', confirmTokenHash: null, updatedAt: at });
  }

  async recordConsentMany(m: EntityManager, events: NewConsentEvent[]): Promise<void> {
    const at = sqlDate(new Date());
    await insertRows(
      m,
      'consent_events',
      ['subscriber_id', 'list_id', 'campaign_id', 'action', 'source', 'ip', 'actor_user_id', 'detail', 'created_at'],
      events.map((e) => [e.subscriberId, e.listId, e.campaignId, e.action, e.source, e.ip.slice(0, 45), e.actorUserId, e.detail.slice(0, 255), at]),
    );
  }

  async recordConsent(m: EntityManager, e: NewConsentEvent): Promise<void> {
    await m.insert(ConsentEvent, { ...e, ip: e.ip.slice(0, 45), detail: e.detail.slice(0, 255), createdAt: new Date() });
  }

  history(subscriberId: number, limit = 200, m: EntityManager = this.db.manager): Promise<ConsentEvent[]> {
    return m.find(ConsentEvent, { where: { subscriberId }, order: { id: 'DESC' }, take: limit });
  }

  async search(f: SubscriberSearch): Promise<[Subscriber[], number]> {
    const qb = this.db.manager.createQueryBuilder(Subscriber, 's').orderBy('s.id', 'DESC').take(f.limit).skip(f.offset);
    if (f.q) qb.andWhere('(s.email LIKE :q OR s.name LIKE :q)', { q: `%${f.q.trim().toLowerCase()}%` });
    if (f.suppressed === true) qb.andWhere('s.suppressed_at IS NOT NULL');
    if (f.suppressed === false) qb.andWhere('s.suppressed_at IS NULL');
    if (f.listId) {
      qb.andWhere(
        `EXISTS (SELECT 1 FROM subscriptions x WHERE x.subscriber_id = s.id AND x.list_id = :listId${f.status ? ' AND x.status = :status' : ''})`,
        { listId: f.listId, status: f.status },
      );
    }
    return qb.getManyAndCount();
  }

  /** Per list: how many subscribers in each status. */
  async countsByList(): Promise<Map<number, Record<SubscriptionStatus, number>>> {
    const rows: { list_id: number; status: SubscriptionStatus; n: number | string }[] = await this.db.manager.query(
      'SELECT list_id, status, COUNT(*) AS n FROM subscriptions GROUP BY list_id, status',
    );
    const out = new Map<number, Record<SubscriptionStatus, number>>();
    for (const r of rows) {
      const id = Number(r.list_id);
      const entry = out.get(id) ?? { unconfirmed: 0, confirmed: 0, unsubscribed: 0 };
      entry[r.status] = Number(r.n);
      out.set(id, entry);
    }
    return out;
  }
}
