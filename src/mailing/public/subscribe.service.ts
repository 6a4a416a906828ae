import { Injectable } from '@nestjs/common';
import { sha256 } from '../../common/crypto';
import { isEmail } from '../../common/email';
import { AppError } from '../../common/errors/app-error';
import { Locale } from '../../config/config';
import { Database } from '../../database/database.service';
import { isLocale } from '../../i18n/i18n';
import { ThrottleService } from '../../throttle/throttle.service';
import { normaliseEmail } from '../../common/email';
import { ListsService, ListView } from '../lists/lists.service';
import { SubscriptionsService } from '../subscribers/subscriptions.service';
import { ListsRepository } from '../lists/lists.repository';
import { SubscribersRepository } from '../subscribers/subscribers.repository';
import { BanCheck } from '../../bans/ban-check';

const HOUR = 60 * 60_000;
/**
 * The public form takes posts from other sites without a session token, so it is limited instead: per client IP
 * (a script hammering the form) and per address (someone mail-bombing a stranger with confirmations; the
 * consent core also sends at most one confirmation per list every 10 minutes). Counted in the database, so the
 * limits survive restarts and hold across instances.
 */
export const SUBSCRIBE_LIMITS = {
  perIp: { max: 20, windowMs: HOUR },
  perEmail: { max: 5, windowMs: HOUR },
};
const NAME_MAX = 200;

export interface SubscribeFormInput {
  email?: unknown;
  name?: unknown;
  /** One id or several (checkboxes; the embeddable form sends one hidden `lists`). */
  lists?: unknown;
  consent?: unknown;
  /** Honeypot: hidden from people, filled in by bots. */
  website?: unknown;
  locale?: unknown;
}

/** What the page after a post says. Never whether the address was already on a list or suppressed. */
export type SubscribeState = 'check_mail' | 'subscribed';

export interface SubscribeFormModel {
  lists: ListView[];
  selected: number[];
}

function ids(v: unknown): number[] {
  // The embeddable form sends one hidden `lists` with several ids: "1,2".
  const raw = (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).flatMap((x) => String(x).split(','));
  return [...new Set(raw.map((x) => String(x).trim()).filter((x) => /^\d{1,9}$/.test(x)).map(Number))];
}

/** The public subscribe form and the confirmation link of double opt-in. */
@Injectable()
export class SubscribeService {
  constructor(
    private readonly db: Database,
    private readonly lists: ListsService,
    private readonly listsRepo: ListsRepository,
    private readonly subscribers: SubscribersRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly throttle: ThrottleService,
    private readonly bans: BanCheck,
  ) {}

  async formModel(selectedRaw: unknown): Promise<SubscribeFormModel> {
    const lists = await this.lists.publicLists();
    const wanted = ids(selectedRaw);
    const selected = lists.length === 1 ? [lists[0].id] : wanted.filter((id) => lists.some((l) => l.id === id));
    return { lists, selected };
  }

  async submit(input: SubscribeFormInput, ip: string, pageLocale: Locale): Promise<SubscribeState> {
    await this.throttle.take([{ bucket: `subscribe:ip:${ip}`, ...SUBSCRIBE_LIMITS.perIp }]);
    const publicLists = await this.lists.publicLists();
    let listIds = ids(input.lists);
    if (!listIds.length && publicLists.length === 1) listIds = [publicLists[0].id];
    // A bot that filled the hidden field is told what a person would be, and nothing is written or sent.
    if (typeof input.website === 'string' && input.website.trim() !== '') {
      return publicLists.some((l) => listIds.includes(l.id) && l.optIn === 'double') ? 'check_mail' : 'subscribed';
    }

    const email = normaliseEmail(typeof input.email === 'string' ? input.email : '');
    const name = typeof input.name === 'string' ? input.name.trim().replace(/\s+/g, ' ') : '';
    const fields: Record<string, string> = {};
    if (!isEmail(email)) fields.email = 'errors.email_invalid';
    if (name.length > NAME_MAX) fields.name = 'errors.too_long';
    if (!listIds.length) fields.lists = 'mailing.errors.choose_list';
    else if (!listIds.every((id) => publicLists.some((l) => l.id === id))) fields.lists = 'mailing.errors.unknown_list';
    if (input.consent === undefined || input.consent === null || input.consent === '') fields.consent = 'mailing.errors.consent_required';
    if (Object.keys(fields).length) throw AppError.validation(fields);

    await this.throttle.take([{ bucket: `subscribe:email:${sha256(email)}`, ...SUBSCRIBE_LIMITS.perEmail }]);
    // A banned identity is told politely that the address cannot be used here (403), without a reason.
    await this.bans.refuseIfBanned(email);
    const locale = isLocale(input.locale) ? input.locale : pageLocale;
    const res = await this.db.transaction((m) => this.subscriptions.subscribe(m, { email, name, locale, listIds }, { source: 'form', ip }));
    const chosen = publicLists.filter((l) => listIds.includes(l.id));
    return Object.values(res.outcomes).includes('pending') || chosen.some((l) => l.optIn === 'double') ? 'check_mail' : 'subscribed';
  }

  /** What a confirmation link would confirm, without confirming it (mail scanners follow links). */
  async describeConfirmation(token: string, listsParam: unknown): Promise<{ valid: boolean; lists: string[] }> {
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(token ?? '')) return { valid: false, lists: [] };
    const listIds = ids(listsParam);
    const hashes = listIds.length ? listIds.map((id) => sha256(`${token}:${id}`)) : [sha256(token)];
    const found: number[] = [];
    for (const hash of hashes) {
      const sub = await this.subscribers.findSubscriptionByTokenHash(hash);
      if (sub?.status === 'unconfirmed') found.push(sub.listId);
    }
    const lists = await this.listsRepo.findByIds(found);
    return { valid: found.length > 0, lists: lists.map((l) => l.name) };
  }

  /** The button on the confirmation page. Null when the link is unknown or already used. */
  async confirm(token: string, listsParam: unknown, ip: string): Promise<{ lists: string[] } | null> {
    const res = await this.db.transaction((m) => this.subscriptions.confirm(m, token, ids(listsParam), { source: 'link', ip }));
    return res ? { lists: res.lists.map((l) => l.name) } : null;
  }
}
