import { AUDIT_ACTIONS, SUBJECT_TYPES } from '../audit/audit-actions';
import type { Locale } from '../config/config';
import { MAIL_KINDS, type MailClass, type OutboxStatus } from '../mail/entities/outbox-message.entity';
import { GRANT_SOURCES } from '../members/access/entities/grant.entity';
import type { GrantEventKind } from '../members/access/entities/grant-event.entity';
import { PRODUCT_STATUSES } from '../members/catalogue/entities/product.entity';
import type { KeyState } from '../members/keys/access-keys.repository';
import type { OrderStatus } from '../members/orders/entities/order.entity';
import { REFUND_STATUSES } from '../members/orders/refunds/entities/refund.entity';
import { OPT_IN_MODES } from '../mailing/lists/entities/mailing-list.entity';
import { RECIPIENT_STATUSES } from '../mailing/campaigns/entities/campaign-recipient.entity';
import { CAMPAIGN_STATUSES, type BodyFormat } from '../mailing/campaigns/entities/campaign.entity';
import { CONSENT_ACTIONS, CONSENT_SOURCES } from '../mailing/subscribers/entities/consent-event.entity';
import { SUBSCRIPTION_STATUSES } from '../mailing/subscribers/entities/subscription.entity';
import { SUPPRESSION_REASONS } from '../mailing/subscribers/entities/subscriber.entity';
import { ROLES } from '../users/entities/user.entity';
import type { MoveDirection } from '../members/catalogue/catalogue-structure.service';
import type { SubscribeOutcome } from '../mailing/subscribers/subscriptions.service';
import type { ImportMode } from '../mailing/import/mailing-import.service';
import { TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES } from '../support/entities/ticket.entity';
import { BAN_KINDS } from '../bans/entities/ban.entity';
import type { BanState } from '../bans/bans.repository';
import { CASE_STATUSES, OFFBOARDING_STEPS, STEP_STATUSES } from '../offboarding/offboarding.contract';
import { translate } from './i18n';

/**
 * Every value of a string union, written as an object so that leaving one out (or adding one that is not in the
 * union) fails tsc: `all<OutboxStatus>({ pending: 1, ... })`.
 */
function all<T extends string>(values: Record<T, 1>): readonly T[] {
  return Object.keys(values) as T[];
}

interface EnumDef<T extends string = string> {
  values: readonly T[];
  /** The i18n key of one value's label. */
  key: (value: T) => string;
}

const prefixed =
  (prefix: string) =>
  (v: string): string =>
    prefix + v;

/**
 * The one registry of code values shown to people: every value of every enumeration and where its label lives.
 * Templates print them through `enumLabel('<name>', value)`, never `t('prefix.' + value)`, and
 * src/i18n/catalogue.spec.ts checks every value here has a label in both languages.
 */
export const ENUMS = {
  'user.role': { values: ROLES, key: prefixed('roles.') },
  'outbox.status': { values: all<OutboxStatus>({ pending: 1, sending: 1, sent: 1, failed: 1, kept: 1 }), key: prefixed('status.') },
  'mail.kind': { values: MAIL_KINDS, key: prefixed('enums.mail_kind.') },
  'outbox.class': { values: all<MailClass>({ transactional: 1, marketing: 1 }), key: prefixed('enums.mail_class.') },
  'grant.source': { values: GRANT_SOURCES, key: prefixed('clients.source_') },
  'grant.reason': { values: ['refund', 'import', 'order'] as const, key: prefixed('enums.grant_reason.') },
  'grant.event': { values: all<GrantEventKind>({ created: 1, extended: 1, revoked: 1, reinstated: 1 }), key: prefixed('clients.event_') },
  'ban.kind': { values: BAN_KINDS, key: prefixed('bans.kind.') },
  'ban.state': { values: all<BanState>({ active: 1, lifted: 1, expired: 1 }), key: prefixed('bans.state.') },
  'order.status': { values: all<OrderStatus>({ paid: 1, refunded: 1, held: 1, declined: 1 }), key: (v) => (v === 'held' || v === 'declined' ? `bans.order_status.${v}` : `orders.status_${v}`) },
  'refund.status': { values: REFUND_STATUSES, key: prefixed('refunds.status_') },
  'product.status': { values: PRODUCT_STATUSES, key: prefixed('members.status_') },
  'key.state': { values: all<KeyState>({ unused: 1, used: 1, disabled: 1 }), key: prefixed('keys.state_') },
  'campaign.status': { values: CAMPAIGN_STATUSES, key: prefixed('mailing.campaigns.status_') },
  'campaign.format': { values: all<BodyFormat>({ markdown: 1, html: 1 }), key: prefixed('enums.body_format.') },
  'recipient.status': { values: RECIPIENT_STATUSES, key: prefixed('mailing.campaigns.row_') },
  'subscription.status': { values: SUBSCRIPTION_STATUSES, key: prefixed('mailing.status.') },
  'subscriber.suppression': { values: SUPPRESSION_REASONS, key: prefixed('mailing.reason.') },
  'consent.action': { values: CONSENT_ACTIONS, key: prefixed('mailing.action.') },
  'consent.source': { values: CONSENT_SOURCES, key: prefixed('mailing.source.') },
  'list.opt_in': { values: OPT_IN_MODES, key: prefixed('mailing.lists.') },
  'client.via': { values: ['order'] as const, key: prefixed('enums.client_via.') },
  'audit.subject': { values: SUBJECT_TYPES, key: prefixed('subject_types.') },
  'audit.action': { values: AUDIT_ACTIONS, key: prefixed('audit.label.') },
  'move.direction': { values: all<MoveDirection>({ up: 1, down: 1 }), key: prefixed('enums.direction.') },
  'subscribe.outcome': { values: all<SubscribeOutcome>({ subscribed: 1, pending: 1, already: 1, kept_unsubscribed: 1, suppressed: 1 }), key: prefixed('enums.subscribe_outcome.') },
  'import.mode': { values: all<ImportMode>({ subscribe: 1, suppress: 1 }), key: prefixed('enums.import_mode.') },
  locale: { values: all<Locale>({ en: 1, ru: 1 }), key: prefixed('enums.locale.') },
  'offboarding.status': { values: CASE_STATUSES, key: prefixed('enums.offboarding_status.') },
  'offboarding.step': { values: OFFBOARDING_STEPS, key: prefixed('enums.offboarding_step.') },
  'offboarding.step_status': { values: STEP_STATUSES, key: prefixed('enums.offboarding_step_status.') },
  'ticket.type': { values: TICKET_TYPES, key: prefixed('tickets.type.') },
  'ticket.status': { values: TICKET_STATUSES, key: prefixed('tickets.status.') },
  /** The same statuses as the client reads them ("waiting for you", "we are on it"). */
  'ticket.client_status': { values: TICKET_STATUSES, key: prefixed('tickets.client_status.') },
  'ticket.priority': { values: TICKET_PRIORITIES, key: prefixed('tickets.priority.') },
} satisfies Record<string, EnumDef>;

export type EnumName = keyof typeof ENUMS;
export const ENUM_NAMES = Object.keys(ENUMS) as EnumName[];

function def(name: EnumName): EnumDef {
  return ENUMS[name] as unknown as EnumDef;
}

/** The i18n key of a value's label, or null when the value is not one of the enumeration's. */
export function enumKey(name: EnumName, value: unknown): string | null {
  const d = def(name);
  return typeof value === 'string' && (d.values as readonly string[]).includes(value) ? d.key(value) : null;
}

/**
 * A code value as words in `locale`. A value the registry does not know (an old row, a value added later) is
 * shown as it is: a page never breaks over a label.
 */
export function enumLabel(locale: Locale, name: EnumName, value: unknown): string {
  if (value === null || value === undefined) return '';
  const key = enumKey(name, value);
  if (!key) return String(value);
  const label = translate(locale, key);
  return label === key ? String(value) : label;
}

/**
 * Reasons the system itself writes on grants and their events (a refund, the CSV import, `purchaseTag`): stored
 * as English text, shown in the reader's language. A reason a person typed is shown as they wrote it.
 */
const SYSTEM_GRANT_REASONS: { match: RegExp; code: (typeof ENUMS)['grant.reason']['values'][number] }[] = [
  { match: /^refund$/, code: 'refund' },
  { match: /^CSV import$/, code: 'import' },
  { match: /^order #(\d+)$/, code: 'order' },
];

export function grantReasonLabel(locale: Locale, reason: string | null | undefined): string {
  if (!reason) return '';
  for (const r of SYSTEM_GRANT_REASONS) {
    const m = r.match.exec(reason);
    if (m) return translate(locale, ENUMS['grant.reason'].key(r.code), { id: m[1] });
  }
  return reason;
}

/**
 * Details the mailing code writes on consent events (see SubscriptionsService, the admin suppress form and the
 * CSV import), stored in English, shown in the reader's language: "<reason>", "<reason>: <note>", "was <reason>",
 * "<reason> (CSV import)", "opted in again", "confirmed a new subscription", "name, locale: <locale>". Anything
 * else (a bounce's SMTP text) is shown as written.
 */
export function consentDetailLabel(locale: Locale, detail: string | null | undefined): string {
  if (!detail) return '';
  const reason = (r: string) => enumLabel(locale, 'subscriber.suppression', r);
  const t = (k: string, vars: Record<string, unknown> = {}) => translate(locale, `enums.consent_detail.${k}`, vars);
  let m: RegExpExecArray | null;
  if (detail === 'opted in again') return t('opted_in_again');
  if (detail === 'confirmed a new subscription') return t('confirmed_new');
  if ((m = /^name, locale: (.*)$/.exec(detail))) return t('profile', { locale: m[1] === '-' ? '—' : enumLabel(locale, 'locale', m[1]) });
  const note = /^(was )?([a-z]+)(?:: ([\s\S]*)| \(CSV import\))?$/.exec(detail);
  if (note && enumKey('subscriber.suppression', note[2])) {
    const what = note[1] ? t('was', { reason: reason(note[2]) }) : reason(note[2]);
    if (note[3] !== undefined) return `${what}: ${note[3]}`;
    return detail.endsWith(' (CSV import)') ? t('csv_import', { reason: what }) : what;
  }
  return detail;
}
