import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../../common/errors/app-error';
import { Locale } from '../../config/config';
import { Database } from '../../database/database.service';
import { isLocale } from '../../i18n/i18n';
import { ConsentSource } from '../subscribers/entities/consent-event.entity';
import { MailingList } from '../lists/entities/mailing-list.entity';
import { Subscriber, SuppressionReason } from '../subscribers/entities/subscriber.entity';
import { Subscription } from '../subscribers/entities/subscription.entity';
import { MailingTokens } from '../mailing-tokens';
import { ListsRepository } from '../lists/lists.repository';
import { SubscribersRepository } from '../subscribers/subscribers.repository';
import { SubscriptionsService } from '../subscribers/subscriptions.service';
import { BanCheck } from '../../bans/ban-check';

export interface PreferencesListView {
  id: number;
  name: string;
  description: string | null;
  /** Ticked on the form: the person gets this list's mail. */
  checked: boolean;
  /** Subscribed but waiting for the confirmation mail's link; ticking it here confirms. */
  pending: boolean;
}

export interface PreferencesView {
  email: string;
  name: string;
  locale: Locale | null;
  /** Global suppression, if any: `unsubscribed` = from all marketing mail by the person's own choice. */
  suppressed: SuppressionReason | null;
  lists: PreferencesListView[];
}

export interface PreferencesInput {
  /** Ids of the lists ticked. */
  lists: number[];
  /** Ids of the lists the form showed: only those are changed (a list added since the page loaded stays as it is). */
  shown: number[];
  name?: string;
  locale?: string;
}

export interface PreferencesContext {
  source: Extract<ConsentSource, 'preferences' | 'account'>;
  ip: string;
}

/** What a save did, for the message on the page that follows. */
export type SaveOutcome = 'saved' | 'blocked';

/** The account a preferences page acts for when reached from /account (no token). */
export interface AccountOwner {
  email: string;
  name: string;
  locale: Locale | null;
}

/**
 * The subscriber's own page: per list subscribe/unsubscribe, unsubscribe from all, name and language. Reached by a
 * signed link (the HMAC in it is the authority, no login) or from /account for clients. Every change goes through
 * SubscriptionsService, so the consent rules and the consent record are the same as everywhere else: ticking a
 * list is the person's own verified opt-in; nothing the person ended is restored unless they tick it again.
 */
@Injectable()
export class PreferencesService {
  constructor(
    private readonly db: Database,
    private readonly tokens: MailingTokens,
    private readonly subscribers: SubscribersRepository,
    private readonly lists: ListsRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly bans: BanCheck,
  ) {}

  /** The subscriber a preferences link is for; a forged or altered link, or a deleted subscriber, is not found. */
  async subscriberForToken(token: string): Promise<number> {
    const id = this.tokens.readPreferences(token);
    const subscriber = id ? await this.subscribers.findById(id) : null;
    if (!subscriber) throw badLink();
    return subscriber.id;
  }

  async view(subscriberId: number): Promise<PreferencesView> {
    const subscriber = await this.subscribers.findById(subscriberId);
    if (!subscriber) throw badLink();
    return this.toView(subscriber, await this.eligible(subscriber.id));
  }

  /** A client's own preferences, by their account's email; a client who never was a subscriber sees every list unticked. */
  async viewForAccount(owner: AccountOwner): Promise<PreferencesView> {
    const subscriber = await this.subscribers.findByEmail(owner.email);
    if (subscriber) return this.view(subscriber.id);
    const lists = await this.lists.listActive({ publicOnly: true });
    return {
      email: owner.email,
      name: owner.name,
      locale: owner.locale,
      suppressed: null,
      lists: lists.map((l) => ({ id: l.id, name: l.name, description: l.description, checked: false, pending: false })),
    };
  }

  async save(subscriberId: number, input: PreferencesInput, ctx: PreferencesContext): Promise<SaveOutcome> {
    return this.db.transaction((m) => this.apply(m, subscriberId, input, ctx));
  }

  /** The subscriber row is created on the first save (linked to the account by the repository). */
  async saveForAccount(owner: AccountOwner, input: PreferencesInput, ctx: PreferencesContext): Promise<SaveOutcome> {
    return this.db.transaction(async (m) => {
      const { subscriber } = await this.subscribers.findOrCreate(m, { email: owner.email, name: owner.name, locale: owner.locale ?? undefined });
      return this.apply(m, subscriber.id, input, ctx);
    });
  }

  async unsubscribeAll(subscriberId: number, ctx: PreferencesContext): Promise<void> {
    await this.db.transaction((m) => this.subscriptions.unsubscribe(m, subscriberId, 'all', ctx));
  }

  /** Also for a client who never was a subscriber: the address is then kept as "no marketing mail", whatever later imports say. */
  async unsubscribeAllForAccount(owner: AccountOwner, ctx: PreferencesContext): Promise<void> {
    await this.db.transaction(async (m) => {
      const { subscriber } = await this.subscribers.findOrCreate(m, { email: owner.email, name: owner.name, locale: owner.locale ?? undefined });
      await this.subscriptions.unsubscribe(m, subscriber.id, 'all', ctx);
    });
  }

  private async apply(m: EntityManager, subscriberId: number, input: PreferencesInput, ctx: PreferencesContext): Promise<SaveOutcome> {
    const subscriber = await this.subscribers.findById(subscriberId, m);
    if (!subscriber) throw badLink();
    if (input.locale !== undefined && input.locale !== '' && !isLocale(input.locale)) throw AppError.validation({ locale: 'errors.locale_invalid' });
    const eligible = await this.eligible(subscriber.id, m);
    const byId = new Map(eligible.map((e) => [e.list.id, e]));
    const ticked = new Set(input.lists);
    // Only lists the person may see here can be ticked: never a private list they are not on.
    if ([...ticked].some((id) => !byId.has(id))) throw AppError.validation({ lists: 'mailing.prefs.unknown_list' });

    const view = this.toView(subscriber, eligible);
    const toSubscribe: number[] = [];
    const toLeave: number[] = [];
    for (const id of new Set(input.shown)) {
      const shown = view.lists.find((l) => l.id === id);
      if (!shown) continue;
      if (ticked.has(id) && !shown.checked) toSubscribe.push(id);
      if (!ticked.has(id) && shown.checked) toLeave.push(id);
    }

    const consent = { source: ctx.source, ip: ctx.ip };
    if (toSubscribe.length && subscriber.suppressedReason === 'unsubscribed') {
      // Opting in again lifts the person's unsubscribe-from-all; a list row it left "confirmed" (a suppression
      // imported or set by an operator) must not come back to life with it: only what was ticked now does.
      for (const { list, sub } of eligible) {
        if (!toSubscribe.includes(list.id) && (sub?.status === 'confirmed' || sub?.status === 'unconfirmed')) toLeave.push(list.id);
      }
    }
    for (const listId of toLeave) await this.subscriptions.unsubscribe(m, subscriber.id, { listId }, consent);
    let outcome: SaveOutcome = 'saved';
    // A banned identity (src/bans) keeps its old preferences link for leaving lists, never for joining them.
    if (toSubscribe.length && (await this.bans.findActive(subscriber.email, new Date(), m))) {
      toSubscribe.length = 0;
      outcome = 'blocked';
    }
    if (toSubscribe.length) {
      const res = await this.subscriptions.subscribe(m, { email: subscriber.email, listIds: toSubscribe }, consent);
      if (Object.values(res.outcomes).includes('suppressed')) outcome = 'blocked';
    }
    await this.subscriptions.updateProfile(
      m,
      subscriber.id,
      {
        name: input.name,
        locale: input.locale === undefined ? undefined : isLocale(input.locale) ? input.locale : null,
      },
      consent,
    );
    return outcome;
  }

  /**
   * The lists this person's page shows: every active public list, and any other active list they still get
   * mail from (so they can leave it); a private list they are not on never shows.
   */
  private async eligible(subscriberId: number, m?: EntityManager): Promise<{ list: MailingList; sub: Subscription | null }[]> {
    const [active, subs] = await Promise.all([this.lists.listActive({}, m), this.subscribers.subscriptionsOf(subscriberId, m)]);
    const subByList = new Map(subs.map((s) => [s.listId, s]));
    return active
      .map((list) => ({ list, sub: subByList.get(list.id) ?? null }))
      .filter(({ list, sub }) => list.isPublic || sub?.status === 'confirmed' || sub?.status === 'unconfirmed');
  }

  private toView(subscriber: Subscriber, eligible: { list: MailingList; sub: Subscription | null }[]): PreferencesView {
    // Someone who unsubscribed from everything sees every list unticked, whatever a list row still says.
    const off = subscriber.suppressedReason !== null;
    return {
      email: subscriber.email,
      name: subscriber.name,
      locale: subscriber.locale,
      suppressed: subscriber.suppressedReason,
      lists: eligible.map(({ list, sub }) => ({
        id: list.id,
        name: list.name,
        description: list.description,
        checked: !off && sub?.status === 'confirmed',
        pending: !off && sub?.status === 'unconfirmed',
      })),
    };
  }
}

function badLink(): AppError {
  return new AppError('not_found', 'mailing.bad_link', 'mailing.prefs.bad_link');
}
