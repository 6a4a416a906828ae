import { Injectable } from '@nestjs/common';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { Page } from '../../common/http/pagination';
import { Database } from '../../database/database.service';
import { ConsentAction, ConsentSource } from './entities/consent-event.entity';
import { MailingList } from '../lists/entities/mailing-list.entity';
import { Subscriber, SUPPRESSION_REASONS, SuppressionReason } from './entities/subscriber.entity';
import { Subscription, SubscriptionStatus } from './entities/subscription.entity';
import { SubscriberFilter, SubscribersAdminRepository } from './subscribers-admin.repository';
import { ListsRepository } from '../lists/lists.repository';
import { SubscribersRepository } from './subscribers.repository';
import { SubscribeOutcome, SubscriptionsService } from './subscriptions.service';

export interface MembershipView {
  listId: number;
  listName: string;
  status: SubscriptionStatus;
  since: Date;
}

export interface SubscriberView {
  id: number;
  email: string;
  name: string;
  locale: string | null;
  /** Null: may receive marketing mail. */
  suppressed: SuppressionReason | null;
  suppressedAt: Date | null;
  createdAt: Date;
  lists: MembershipView[];
}

export interface ConsentView {
  at: Date;
  action: ConsentAction;
  listId: number | null;
  listName: string | null;
  source: ConsentSource;
  ip: string;
  campaignId: number | null;
  actor: string;
  detail: string;
}

/** A type, not an interface, so it can be a form's re-render model. */
export type SubscriberPage = {
  subscriber: SubscriberView;
  history: ConsentView[];
  /** Lists staff can add this person to: active, and not already confirmed there. */
  addable: { id: number; name: string }[];
  reasons: readonly SuppressionReason[];
};

const NOTE_MAX = 255;

export interface ApiSubscriberInput {
  email?: string;
  name?: string;
  source?: 'api' | 'form' | 'import' | 'purchase' | 'admin';
  locale?: 'ru' | 'en';
  ip?: string;
}

export interface ApiSubscribeResult {
  email: string;
  subscriberId: number | null;
  created: boolean;
  outcome: SubscribeOutcome | 'invalid';
  error?: Record<string, string>;
}

export function toSubscriberView(s: Subscriber, subs: Subscription[], listNames: Map<number, string>): SubscriberView {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    locale: s.locale,
    suppressed: s.suppressedReason,
    suppressedAt: s.suppressedAt,
    createdAt: s.createdAt,
    lists: subs
      .filter((x) => x.subscriberId === s.id)
      .map((x) => ({ listId: x.listId, listName: listNames.get(x.listId) ?? `#${x.listId}`, status: x.status, since: x.updatedAt })),
  };
}

/**
 * The subscribers' admin: search, one person's lists and consent record, and what staff may change. Every change
 * goes through SubscriptionsService (source `admin`, the staff member as actor) with an audit entry in the same
 * transaction.
 */
@Injectable()
export class SubscribersAdminService {
  constructor(
    private readonly db: Database,
    private readonly repo: SubscribersAdminRepository,
    private readonly subscribers: SubscribersRepository,
    private readonly lists: ListsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly audit: AuditService,
  ) {}

  async search(f: SubscriberFilter, page: Page): Promise<{ items: SubscriberView[]; total: number }> {
    const [rows, total] = await this.repo.search(f, page);
    return { items: await this.views(rows), total };
  }

  /** Subscribers with their lists, as pages, the API and exports show them. */
  async views(rows: Subscriber[]): Promise<SubscriberView[]> {
    const [subs, names] = await Promise.all([this.subscribers.subscriptionsOfMany(rows.map((r) => r.id)), this.listNames()]);
    return rows.map((r) => toSubscriberView(r, subs, names));
  }

  async get(id: number): Promise<SubscriberView> {
    const s = await this.subscribers.findById(id);
    if (!s) throw AppError.notFound('subscriber');
    return (await this.views([s]))[0];
  }

  async page(id: number): Promise<SubscriberPage> {
    const subscriber = await this.get(id);
    const [events, active, names] = await Promise.all([this.subscribers.history(id), this.lists.listActive(), this.listNames()]);
    const actors = await this.repo.userEmails(events.map((e) => e.actorUserId).filter((x): x is number => x !== null));
    const confirmed = new Set(subscriber.lists.filter((l) => l.status === 'confirmed').map((l) => l.listId));
    return {
      subscriber,
      history: events.map((e) => ({
        at: e.createdAt,
        action: e.action,
        listId: e.listId,
        listName: e.listId === null ? null : (names.get(e.listId) ?? `#${e.listId}`),
        source: e.source,
        ip: e.ip,
        campaignId: e.campaignId,
        actor: e.actorUserId === null ? '' : (actors.get(e.actorUserId) ?? `#${e.actorUserId}`),
        detail: e.detail,
      })),
      addable: active.filter((l) => !confirmed.has(l.id)).map((l) => ({ id: l.id, name: l.name })),
      reasons: SUPPRESSION_REASONS,
    };
  }

  /** Staff add the person to a list: confirmed at once, unless they ended it themselves or are suppressed. */
  async addToList(actor: Actor, subscriberId: number, listIdRaw: unknown): Promise<SubscribeOutcome> {
    const listId = Number(listIdRaw);
    const list = Number.isSafeInteger(listId) && listId > 0 ? await this.lists.findById(listId) : null;
    if (!list || list.archivedAt) throw AppError.validation({ listId: 'mailing.errors.unknown_list' });
    return this.db.transaction(async (m) => {
      const s = await this.subscribers.findById(subscriberId, m);
      if (!s) throw AppError.notFound('subscriber');
      const res = await this.subscriptions.subscribe(m, { email: s.email, listIds: [list.id] }, { source: 'admin', ip: actor.ip, actor });
      const outcome = res.outcomes[list.id];
      await this.audit.record(m, actor, { action: 'subscriber.add_to_list', subjectType: 'subscriber', subjectId: s.id, extra: { listId: list.id, outcome } });
      return outcome;
    });
  }

  async removeFromList(actor: Actor, subscriberId: number, listId: number): Promise<boolean> {
    const list = await this.lists.findById(listId);
    if (!list) throw AppError.notFound('list');
    return this.db.transaction(async (m) => {
      const changed = await this.subscriptions.unsubscribe(m, subscriberId, { listId }, { source: 'admin', ip: actor.ip, actor });
      if (changed) await this.audit.record(m, actor, { action: 'subscriber.remove_from_list', subjectType: 'subscriber', subjectId: subscriberId, extra: { listId } });
      return changed;
    });
  }

  async suppress(actor: Actor, subscriberId: number, reasonRaw: unknown, noteRaw: unknown): Promise<void> {
    const reason = reasonRaw as SuppressionReason;
    const fields: Record<string, string> = {};
    if (!SUPPRESSION_REASONS.includes(reason)) fields.reason = 'mailing.errors.reason';
    const note = typeof noteRaw === 'string' ? noteRaw.trim() : '';
    if (note.length > NOTE_MAX) fields.note = 'errors.too_long';
    if (Object.keys(fields).length) throw AppError.validation(fields);
    await this.db.transaction(async (m) => {
      const before = await this.subscribers.findById(subscriberId, m);
      if (!before) throw AppError.notFound('subscriber');
      if (before.suppressedReason === reason) return;
      await this.subscriptions.suppress(m, subscriberId, reason, { source: 'admin', ip: actor.ip, actor }, note ? `${reason}: ${note}` : reason);
      await this.audit.record(m, actor, {
        action: 'subscriber.suppress',
        subjectType: 'subscriber',
        subjectId: subscriberId,
        before: { suppressed: before.suppressedReason },
        after: { suppressed: reason },
        extra: note ? { note } : {},
      });
    });
  }

  async unsuppress(actor: Actor, subscriberId: number, noteRaw: unknown): Promise<void> {
    const note = typeof noteRaw === 'string' ? noteRaw.trim() : '';
    if (note.length > NOTE_MAX) throw AppError.validation({ note: 'errors.too_long' });
    await this.db.transaction(async (m) => {
      const before = await this.subscribers.findById(subscriberId, m);
      if (!before) throw AppError.notFound('subscriber');
      if (!before.suppressedReason) return;
      await this.subscriptions.unsuppress(m, subscriberId, { source: 'admin', ip: actor.ip, actor }, note ? `was ${before.suppressedReason}: ${note}` : '');
      await this.audit.record(m, actor, {
        action: 'subscriber.unsuppress',
        subjectType: 'subscriber',
        subjectId: subscriberId,
        before: { suppressed: before.suppressedReason },
        extra: note ? { note } : {},
      });
    });
  }

  /**
   * The API's add-to-list: each address on its own, in its own transaction, so one bad address does not stop
   * the rest. An invalid one answers `invalid` with its field errors.
   */
  async addViaApi(actor: Actor, listId: number, items: ApiSubscriberInput[]): Promise<ApiSubscribeResult[]> {
    const list = await this.lists.findById(listId);
    if (!list) throw AppError.notFound('list');
    if (list.archivedAt) throw new AppError('conflict', 'mailing.list_archived', 'mailing.errors.list_archived');
    const out: ApiSubscribeResult[] = [];
    for (const item of items) {
      const email = (item.email ?? '').trim().toLowerCase();
      try {
        const res = await this.db.transaction((m) =>
          this.subscriptions.subscribe(
            m,
            { email, name: item.name?.trim() || undefined, locale: item.locale ?? null, listIds: [list.id] },
            { source: item.source ?? 'api', ip: item.ip ?? actor.ip, actor },
          ),
        );
        out.push({ email: res.subscriber.email, subscriberId: res.subscriber.id, created: res.created, outcome: res.outcomes[list.id] });
      } catch (e) {
        if (!(e instanceof AppError) || e.kind !== 'validation') throw e;
        out.push({ email, subscriberId: null, created: false, outcome: 'invalid', error: e.fields });
      }
    }
    const tally: Record<string, number> = {};
    for (const r of out) tally[r.outcome] = (tally[r.outcome] ?? 0) + 1;
    await this.db.transaction((m) => this.audit.record(m, actor, { action: 'mailing_list.subscribers_added', subjectType: 'mailing_list', subjectId: list.id, extra: tally }));
    return out;
  }

  private async listNames(): Promise<Map<number, string>> {
    return new Map((await this.lists.listAll()).map((l: MailingList) => [l.id, l.name]));
  }
}
