import { randomBytes } from 'node:crypto';
import { ConsentEvent, ConsentSource } from '../../src/mailing/subscribers/entities/consent-event.entity';
import { MailingList, OptInMode } from '../../src/mailing/lists/entities/mailing-list.entity';
import { Subscriber, SuppressionReason } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { Subscription, SubscriptionStatus } from '../../src/mailing/subscribers/entities/subscription.entity';
import { ListsRepository } from '../../src/mailing/lists/lists.repository';
import { SubscribersRepository } from '../../src/mailing/subscribers/subscribers.repository';
import type { TestHost } from '../utils/test-host';

export interface ListOverrides {
  name?: string;
  description?: string | null;
  listKey?: string;
  isPublic?: boolean;
  optIn?: OptInMode;
  archived?: boolean;
}

/** A mailing list row; public, double opt-in and active unless told otherwise. */
export async function createList(t: TestHost, o: ListOverrides = {}): Promise<MailingList> {
  const suffix = randomBytes(4).toString('hex');
  const lists = t.app.get(ListsRepository);
  return t.db.transaction(async (m) => {
    const list = await lists.insert(m, {
      name: o.name ?? `List ${suffix}`,
      description: o.description ?? null,
      listKey: o.listKey ?? `list-${suffix}`,
      isPublic: o.isPublic ?? true,
      optIn: o.optIn ?? 'double',
    });
    if (o.archived) {
      list.archivedAt = new Date();
      await lists.update(m, list.id, { archivedAt: list.archivedAt });
    }
    return list;
  });
}

/** A list id alone (status confirmed), or the id with the status to put the subscriber in. */
export type ListMembership = number | { listId: number; status?: SubscriptionStatus };

export interface SubscriberOverrides {
  email?: string;
  name?: string;
  locale?: 'ru' | 'en' | null;
  /** Lists to put the subscriber on, each with a consent event recorded (source `admin` unless told). */
  lists?: ListMembership[];
  /** Global suppression. */
  suppressed?: SuppressionReason | null;
  source?: ConsentSource;
}

/**
 * A subscriber with the given per-list statuses and suppression, written through the repositories (not the consent
 * rules of SubscriptionsService, so a test can set up any state, e.g. `unsubscribed` or `unconfirmed`). Every
 * change gets its consent event, as in real data.
 */
export async function createSubscriber(t: TestHost, o: SubscriberOverrides = {}): Promise<Subscriber> {
  const subs = t.app.get(SubscribersRepository);
  const source = o.source ?? 'admin';
  return t.db.transaction(async (m) => {
    const { subscriber } = await subs.findOrCreate(m, {
      email: o.email ?? `sub-${randomBytes(4).toString('hex')}@example.com`,
      name: o.name ?? 'Test subscriber',
      locale: o.locale ?? null,
    });
    const event = (listId: number | null, action: 'subscribed' | 'pending' | 'unsubscribed' | 'suppressed', detail = '') =>
      subs.recordConsent(m, { subscriberId: subscriber.id, listId, campaignId: null, action, source, ip: '', actorUserId: null, detail });
    for (const entry of o.lists ?? []) {
      const { listId, status = 'confirmed' } = typeof entry === 'number' ? { listId: entry } : entry;
      await subs.saveSubscription(m, subscriber.id, listId, { status, confirmTokenHash: null, confirmSentAt: status === 'unconfirmed' ? new Date() : null });
      if (status === 'unsubscribed') {
        await event(listId, 'subscribed');
        await event(listId, 'unsubscribed');
      } else await event(listId, status === 'confirmed' ? 'subscribed' : 'pending');
    }
    if (o.suppressed) {
      const at = new Date();
      await subs.setSuppression(m, subscriber.id, o.suppressed, at);
      await event(null, 'suppressed', o.suppressed);
      subscriber.suppressedReason = o.suppressed;
      subscriber.suppressedAt = at;
    }
    return subscriber;
  });
}

/** The subscription's status on a list, or undefined when there is no row. */
export async function subscriptionStatus(t: Pick<TestHost, 'db'>, subscriberId: number, listId: number): Promise<SubscriptionStatus | undefined> {
  return (await t.db.manager.findOneBy(Subscription, { subscriberId, listId }))?.status;
}

/** The subscriber's consent record, oldest first. */
export function consentEvents(t: Pick<TestHost, 'db'>, subscriberId: number): Promise<ConsentEvent[]> {
  return t.db.manager.find(ConsentEvent, { where: { subscriberId }, order: { id: 'ASC' } });
}
