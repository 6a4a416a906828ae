import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../audit/actor';
import { randomToken, sha256 } from '../../common/crypto';
import { isEmail } from '../../common/email';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig, Locale } from '../../config/config';
import { MailService } from '../../mail/mail.service';
import { normaliseEmail } from '../../common/email';
import { ConsentSource } from './entities/consent-event.entity';
import { MailingList } from '../lists/entities/mailing-list.entity';
import { Subscriber, SuppressionReason } from './entities/subscriber.entity';
import { RecipientsRepository } from '../sender/recipients.repository';
import { ListsRepository } from '../lists/lists.repository';
import { SubscribersRepository } from './subscribers.repository';

/** Sources where the person acts for themselves; everything else is an operator or a system asserting consent. */
const SELF_SOURCES: readonly ConsentSource[] = ['form', 'link', 'one-click', 'preferences', 'account'];
/** A person who proved they read mail at the address (signed link, logged-in account) opts in without a mail round trip. */
const VERIFIED_SOURCES: readonly ConsentSource[] = ['preferences', 'account', 'link'];
/** Don't send a second confirmation mail for the same list sooner than this. */
const CONFIRM_RESEND_MS = 10 * 60_000;

export interface ConsentContext {
  source: ConsentSource;
  ip: string;
  actor?: Actor | null;
  campaignId?: number | null;
}

export type SubscribeOutcome = 'subscribed' | 'pending' | 'already' | 'kept_unsubscribed' | 'suppressed';

export interface SubscribeResult {
  subscriber: Subscriber;
  created: boolean;
  /** Per list id. */
  outcomes: Record<number, SubscribeOutcome>;
}

/**
 * The consent rules, in one place. Every change of a subscription or of the global suppression writes a consent
 * event in the same transaction. Rules:
 *  - double opt-in lists (and anyone who unsubscribed before) confirm by mail when they subscribe themselves;
 *  - an operator, an import, the API or a purchase may add confirmed subscriptions, but never restores one the
 *    person ended (status `unsubscribed`, or suppressed as unsubscribed): that needs the person's own new opt-in;
 *  - bounced, complained, banned and offboarded addresses stay suppressed whatever anyone subscribes them to; only an
 *    operator lifts that, explicitly.
 */
@Injectable()
export class SubscriptionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly subscribers: SubscribersRepository,
    private readonly lists: ListsRepository,
    private readonly recipients: RecipientsRepository,
    private readonly mail: MailService,
  ) {}

  async subscribe(
    m: EntityManager,
    input: { email: string; name?: string; locale?: Locale | null; listIds: number[] },
    ctx: ConsentContext,
  ): Promise<SubscribeResult> {
    const email = normaliseEmail(input.email ?? '');
    if (!isEmail(email)) throw AppError.validation({ email: 'errors.email_invalid' });
    const lists = await this.lists.findByIds([...new Set(input.listIds)], m);
    if (lists.length !== new Set(input.listIds).size || lists.some((l) => l.archivedAt)) throw AppError.validation({ lists: 'mailing.errors.unknown_list' });
    const self = SELF_SOURCES.includes(ctx.source);
    if (self && lists.some((l) => !l.isPublic) && ctx.source !== 'account' && ctx.source !== 'preferences') {
      throw AppError.validation({ lists: 'mailing.errors.unknown_list' });
    }

    const { subscriber, created } = await this.subscribers.findOrCreate(m, { email, name: input.name, locale: input.locale ?? undefined });
    if (!created && input.name && !subscriber.name) await this.subscribers.updateProfile(m, subscriber.id, { name: input.name.slice(0, 200) });
    const outcomes: Record<number, SubscribeOutcome> = {};
    const needConfirm: MailingList[] = [];
    const hard = subscriber.suppressedReason && subscriber.suppressedReason !== 'unsubscribed';
    const unsubscribedAll = subscriber.suppressedReason === 'unsubscribed';
    const now = new Date();

    for (const list of lists) {
      const current = await this.subscribers.findSubscription(subscriber.id, list.id, m);
      if (hard) {
        outcomes[list.id] = 'suppressed';
        continue;
      }
      if (current?.status === 'confirmed' && !unsubscribedAll) {
        outcomes[list.id] = 'already';
        continue;
      }
      const endedBefore = current?.status === 'unsubscribed' || unsubscribedAll;
      if (!self && endedBefore) {
        outcomes[list.id] = 'kept_unsubscribed';
        continue;
      }
      const confirmByMail = self && !VERIFIED_SOURCES.includes(ctx.source) && (list.optIn === 'double' || endedBefore);
      if (confirmByMail) {
        if (current?.status === 'unconfirmed' && current.confirmSentAt && now.getTime() - current.confirmSentAt.getTime() < CONFIRM_RESEND_MS) {
          outcomes[list.id] = 'pending';
          continue;
        }
        needConfirm.push(list);
        outcomes[list.id] = 'pending';
        continue;
      }
      await this.subscribers.saveSubscription(m, subscriber.id, list.id, { status: 'confirmed', confirmTokenHash: null });
      await this.record(m, subscriber.id, list.id, 'subscribed', ctx);
      outcomes[list.id] = 'subscribed';
    }

    if (unsubscribedAll && Object.values(outcomes).includes('subscribed')) {
      // The person opted in again themselves (signed link or account): that lifts their own unsubscribe-from-all.
      await this.subscribers.setSuppression(m, subscriber.id, null, now);
      await this.record(m, subscriber.id, null, 'unsuppressed', ctx, 'opted in again');
    }

    if (needConfirm.length) {
      const token = randomToken(24);
      // One token confirms every list asked for in this request.
      for (const list of needConfirm) {
        await this.subscribers.saveSubscription(m, subscriber.id, list.id, {
          status: 'unconfirmed',
          confirmTokenHash: needConfirm.length === 1 ? sha256(token) : sha256(`${token}:${list.id}`),
          confirmSentAt: now,
        });
        await this.record(m, subscriber.id, list.id, 'pending', ctx);
      }
      const link =
        needConfirm.length === 1
          ? `${this.config.appUrl}/mailing/confirm/${token}`
          : `${this.config.appUrl}/mailing/confirm/${token}?lists=${needConfirm.map((l) => l.id).join(',')}`;
      await this.mail.enqueue(m, {
        to: subscriber.email,
        template: 'mailing-confirm',
        locale: subscriber.locale ?? input.locale ?? this.config.defaultLocale,
        sender: 'marketing',
        vars: { name: subscriber.name || input.name || '', lists: needConfirm.map((l) => l.name), link },
      });
    }
    return { subscriber, created, outcomes };
  }

  /** The link of a confirmation mail. Returns the lists confirmed; an unknown or used token confirms nothing. */
  async confirm(m: EntityManager, token: string, listIds: number[], ctx: ConsentContext): Promise<{ subscriber: Subscriber; lists: MailingList[] } | null> {
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(token ?? '')) return null;
    const hashes = listIds.length ? listIds.map((id) => sha256(`${token}:${id}`)) : [sha256(token)];
    let subscriber: Subscriber | null = null;
    const confirmed: number[] = [];
    for (const hash of hashes) {
      const sub = await this.subscribers.findSubscriptionByTokenHash(hash, m);
      if (!sub || sub.status !== 'unconfirmed') continue;
      if (subscriber && subscriber.id !== sub.subscriberId) continue;
      subscriber ??= await this.subscribers.findById(sub.subscriberId, m);
      await this.subscribers.saveSubscription(m, sub.subscriberId, sub.listId, { status: 'confirmed', confirmTokenHash: null });
      await this.record(m, sub.subscriberId, sub.listId, 'confirmed', ctx);
      confirmed.push(sub.listId);
    }
    if (!subscriber || !confirmed.length) return null;
    if (subscriber.suppressedReason === 'unsubscribed') {
      await this.subscribers.setSuppression(m, subscriber.id, null, new Date());
      await this.record(m, subscriber.id, null, 'unsuppressed', ctx, 'confirmed a new subscription');
    }
    return { subscriber, lists: await this.lists.findByIds(confirmed, m) };
  }

  /**
   * Leaves one list, or every list and all marketing mail (`'all'`). Idempotent. Rows of running campaigns
   * still waiting for this person are skipped in the same transaction, so no later claim picks them up.
   */
  async unsubscribe(m: EntityManager, subscriberId: number, scope: { listId: number } | 'all', ctx: ConsentContext): Promise<boolean> {
    const subscriber = await this.subscribers.findById(subscriberId, m);
    if (!subscriber) throw AppError.notFound('subscriber');
    let changed = false;
    const now = new Date();
    const subs = await this.subscribers.subscriptionsOf(subscriberId, m);
    for (const sub of subs) {
      if (sub.status === 'unsubscribed') continue;
      if (scope !== 'all' && sub.listId !== scope.listId) continue;
      await this.subscribers.saveSubscription(m, subscriberId, sub.listId, { status: 'unsubscribed', confirmTokenHash: null });
      await this.record(m, subscriberId, sub.listId, 'unsubscribed', ctx);
      changed = true;
    }
    if (scope === 'all' && !subscriber.suppressedReason) {
      await this.subscribers.setSuppression(m, subscriberId, 'unsubscribed', now);
      await this.record(m, subscriberId, null, 'suppressed', ctx, 'unsubscribed');
      changed = true;
    }
    await this.recipients.skipWaitingFor(m, subscriberId, scope === 'all' ? null : scope.listId);
    return changed;
  }

  async suppress(m: EntityManager, subscriberId: number, reason: SuppressionReason, ctx: ConsentContext, detail = ''): Promise<void> {
    const subscriber = await this.subscribers.findById(subscriberId, m);
    if (!subscriber) throw AppError.notFound('subscriber');
    if (subscriber.suppressedReason === reason) return;
    if (reason === 'unsubscribed') {
      // Unsubscribed-from-all ends every list too, as the person's own "unsubscribe from all" does: when they
      // later opt in to one list, that must not bring the others back.
      await this.unsubscribe(m, subscriberId, 'all', ctx);
      return;
    }
    await this.subscribers.setSuppression(m, subscriberId, reason, new Date());
    await this.record(m, subscriberId, null, 'suppressed', ctx, detail || reason);
    await this.recipients.skipWaitingFor(m, subscriberId, null);
  }

  /**
   * Offboarding: the address leaves every list, is suppressed as `offboarded` (a hard suppression: no operator,
   * import or purchase subscribes it again) and its campaign rows not handed to a sender yet are skipped, each kind
   * in one statement. Idempotent. The address need not be a subscriber yet: it is kept as one, suppressed.
   */
  async offboard(m: EntityManager, email: string, ctx: ConsentContext): Promise<{ subscriberId: number; lists: { id: number; name: string }[]; suppressed: boolean; campaignRowsSkipped: number }> {
    if (!isEmail(normaliseEmail(email))) throw AppError.validation({ email: 'errors.email_invalid' });
    const { subscriber } = await this.subscribers.findOrCreate(m, { email });
    const now = new Date();
    const lists = await this.subscribers.listsOn(subscriber.id, m);
    if (lists.length) {
      await this.subscribers.endSubscriptions(m, subscriber.id, now);
      await this.subscribers.recordConsentMany(
        m,
        lists.map((l) => ({ subscriberId: subscriber.id, listId: l.id, campaignId: null, action: 'unsubscribed' as const, source: ctx.source, ip: ctx.ip ?? '', actorUserId: ctx.actor?.userId ?? null, detail: '' })),
      );
    }
    let suppressed = false;
    if (subscriber.suppressedReason !== 'offboarded') {
      await this.subscribers.setSuppression(m, subscriber.id, 'offboarded', now);
      await this.record(m, subscriber.id, null, 'suppressed', ctx, 'offboarded');
      suppressed = true;
    }
    const campaignRowsSkipped = await this.recipients.skipAllWaitingFor(m, subscriber.id, 'offboarded');
    return { subscriberId: subscriber.id, lists, suppressed, campaignRowsSkipped };
  }

  /**
   * Reinstatement: the `offboarded` suppression becomes an unsubscribe-from-all, which only the person's own
   * opt-in (the preferences link of the welcome-back mail) lifts. Nobody is subscribed to anything here.
   */
  async afterReinstatement(m: EntityManager, email: string, ctx: ConsentContext): Promise<Subscriber | null> {
    const subscriber = await this.subscribers.findByEmail(email, m);
    if (!subscriber || subscriber.suppressedReason !== 'offboarded') return subscriber;
    await this.subscribers.setSuppression(m, subscriber.id, 'unsubscribed', new Date());
    await this.record(m, subscriber.id, null, 'suppressed', ctx, 'unsubscribed (was offboarded; reinstated)');
    return { ...subscriber, suppressedReason: 'unsubscribed' };
  }

  /** An operator lifts a suppression. List statuses stay as they are: an ended subscription stays ended. */
  async unsuppress(m: EntityManager, subscriberId: number, ctx: ConsentContext, detail = ''): Promise<void> {
    const subscriber = await this.subscribers.findById(subscriberId, m);
    if (!subscriber) throw AppError.notFound('subscriber');
    if (!subscriber.suppressedReason) return;
    await this.subscribers.setSuppression(m, subscriberId, null, new Date());
    await this.record(m, subscriberId, null, 'unsuppressed', ctx, detail || `was ${subscriber.suppressedReason}`);
  }

  /** Suppresses an address that may not be a subscriber yet (CSV import in suppress mode, offboarding). */
  async suppressEmail(m: EntityManager, email: string, reason: SuppressionReason, ctx: ConsentContext, detail = ''): Promise<Subscriber> {
    if (!isEmail(normaliseEmail(email))) throw AppError.validation({ email: 'errors.email_invalid' });
    const { subscriber } = await this.subscribers.findOrCreate(m, { email });
    await this.suppress(m, subscriber.id, reason, ctx, detail);
    return subscriber;
  }

  async updateProfile(m: EntityManager, subscriberId: number, patch: { name?: string; locale?: Locale | null }, ctx: ConsentContext): Promise<void> {
    const fields: Record<string, string> = {};
    if (patch.name !== undefined && patch.name.length > 200) fields.name = 'errors.too_long';
    if (patch.locale !== undefined && patch.locale !== null && !['ru', 'en'].includes(patch.locale)) fields.locale = 'errors.locale_invalid';
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const subscriber = await this.subscribers.findById(subscriberId, m);
    if (!subscriber) throw AppError.notFound('subscriber');
    const next = { name: patch.name?.trim() ?? subscriber.name, locale: patch.locale === undefined ? subscriber.locale : patch.locale };
    if (next.name === subscriber.name && next.locale === subscriber.locale) return;
    await this.subscribers.updateProfile(m, subscriberId, next);
    await this.record(m, subscriberId, null, 'profile', ctx, `name, locale: ${next.locale ?? '-'}`);
  }

  private record(m: EntityManager, subscriberId: number, listId: number | null, action: Parameters<SubscribersRepository['recordConsent']>[1]['action'], ctx: ConsentContext, detail = '') {
    return this.subscribers.recordConsent(m, {
      subscriberId,
      listId,
      campaignId: ctx.campaignId ?? null,
      action,
      source: ctx.source,
      ip: ctx.ip ?? '',
      actorUserId: ctx.actor?.userId ?? null,
      detail,
    });
  }
}
