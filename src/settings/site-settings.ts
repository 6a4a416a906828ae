import { isEmail } from '../common/email';
import { isCleanText, isOneLine } from '../common/text';
import { AppConfig, isTimeZone } from '../config/config';
import { parseClockTime, parseWeekdays } from '../common/time/business-time';

/**
 * Everything the owner sets in Admin → Settings, typed. Each setting is stored as text under its name; its
 * definition says what the text may be (an i18n key of the error otherwise) and what it is until someone sets it.
 * A feature that needs a new setting adds one entry here: no migration, and the page and the API validate it alike.
 */
export interface SiteSettings {
  /** Shown in the header, the mail layout and the consent text; empty = "kabinet". */
  schoolName: string;
  /** IANA name: every date is shown in it and every date input is read in it (a client may pick their own). */
  timeZone: string;
  /** `#rrggbb`, dark enough for white text on it (WCAG AA, 4.5:1). */
  accentColour: string;
  /** The stored file id of the logo; empty = none. */
  logoFileId: string;
  /** Sender of transactional mail (password, access, tickets). */
  mailFromName: string;
  mailFromAddress: string;
  /** Sender of campaigns and list confirmations. */
  marketingFromName: string;
  marketingFromAddress: string;
  /** Tickets: what a paid consultation offers (several lines) and its price, shown on the client's ticket form. */
  consultationOffer: string;
  consultationPrice: string;
  /** Tickets waiting for the client close by themselves after this many days; 0 = never. */
  ticketAutoCloseDays: string;
  /** A client's reply reopens a ticket closed at most this many days ago; later it opens a new, linked ticket. */
  ticketReopenDays: string;
  /** Where new tickets and client replies are announced; empty = the transactional sender's address. */
  supportNotifyAddress: string;
  /** The local part of the support address at INBOUND_DOMAIN: mail there opens a ticket (inbound listener on). */
  supportInboxAddress: string;
  /**
   * Business hours, in the site zone: ISO weekdays (`1,2,3,4,5`; empty = off, time runs around the clock) and a
   * from–to wall-clock time (`09:00`, `18:00`; both empty = whole days). Ticket response and resolution times
   * count only these hours (common/time/business-time.ts).
   */
  businessDays: string;
  businessHoursFrom: string;
  businessHoursTo: string;
  /**
   * The original terms a warning to a client reminds them of (several lines: what the course or service
   * includes); prefills the warning form. Empty = the form lists the products the client has.
   */
  warningTermsText: string;
  /**
   * Offboarding: staff may run a case without an owner's or admin's approval when its refunds total at most this,
   * in minor units (a digit string); empty = staff always need approval.
   */
  offboardingStaffRefundLimit: string;
  /** Offboarding: alternatives the notice recommends (one per line; the notice's {{alternatives}}); empty = none. */
  offboardingAlternatives: string;
}

export type SettingName = keyof SiteSettings;

interface SettingDef {
  def(config: AppConfig): string;
  /** The i18n key of what is wrong with `value`, or null when it is fine (value already trimmed). */
  check(value: string): string | null;
}

export const DEFAULT_ACCENT = '#4338ca';

const oneLine = (max: number) => (v: string) => (!isOneLine(v) ? 'settings.errors.one_line' : v.length > max ? 'settings.errors.too_long' : null);
const address = (v: string) => (isEmail(v) ? null : 'settings.errors.email');
const multiLine = (max: number) => (v: string) => (!isCleanText(v) ? 'settings.errors.invalid' : v.length > max ? 'settings.errors.too_long' : null);
const days = (max: number) => (v: string) => (/^\d{1,4}$/.test(v) && Number(v) <= max ? null : 'tickets.errors.days');

export const SETTINGS: Record<SettingName, SettingDef> = {
  schoolName: { def: () => '', check: oneLine(100) },
  timeZone: { def: (c) => c.defaultTimeZone, check: (v) => (isTimeZone(v) ? null : 'settings.errors.time_zone') },
  accentColour: {
    def: () => DEFAULT_ACCENT,
    check: (v) => (!/^#[0-9a-f]{6}$/i.test(v) ? 'settings.errors.colour' : contrastOnWhite(v) < 4.5 ? 'settings.errors.colour_contrast' : null),
  },
  logoFileId: { def: () => '', check: (v) => (v === '' || /^\d{1,12}$/.test(v) ? null : 'settings.errors.invalid') },
  mailFromName: { def: (c) => senderOf(c.mailFrom).name, check: oneLine(100) },
  mailFromAddress: { def: (c) => senderOf(c.mailFrom).address, check: address },
  marketingFromName: { def: (c) => senderOf(c.mailFrom).name, check: oneLine(100) },
  marketingFromAddress: { def: (c) => senderOf(c.mailFrom).address, check: address },
  consultationOffer: { def: () => '', check: multiLine(2000) },
  consultationPrice: { def: () => '', check: oneLine(200) },
  ticketAutoCloseDays: { def: () => '7', check: days(365) },
  ticketReopenDays: { def: () => '14', check: days(365) },
  supportNotifyAddress: { def: () => '', check: (v) => (v === '' ? null : address(v)) },
  // the listener's own addresses (reply+, bounce+, unsubscribe) are taken
  supportInboxAddress: {
    def: () => 'support',
    check: (v) => (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(v) || /^(reply|bounce|unsubscribe)$/.test(v) ? 'tickets_inbound.errors.inbox_address' : null),
  },
  businessDays: { def: () => '', check: (v) => (parseWeekdays(v) ? null : 'ticket_metrics.settings.errors.days') },
  businessHoursFrom: { def: () => '', check: (v) => (v === '' || parseClockTime(v) !== null ? null : 'ticket_metrics.settings.errors.time') },
  businessHoursTo: { def: () => '', check: (v) => (v === '' || parseClockTime(v, true) !== null ? null : 'ticket_metrics.settings.errors.time') },
  warningTermsText: { def: () => '', check: multiLine(4000) },
  offboardingStaffRefundLimit: { def: () => '', check: (v) => (v === '' || /^\d{1,15}$/.test(v) ? null : 'offboarding.settings.errors.refund_limit') },
  offboardingAlternatives: { def: () => '', check: multiLine(4000) },
};

/**
 * Rules between settings, checked on the values as they would be after a change (each value already passed its
 * own check): what is wrong, by field, as i18n keys.
 */
export function crossCheckSettings(s: SiteSettings): Record<string, string> {
  const out: Record<string, string> = {};
  if (s.businessDays !== '') {
    const from = s.businessHoursFrom;
    const to = s.businessHoursTo;
    if (from === '' && to !== '') out.businessHoursFrom = 'ticket_metrics.settings.errors.both_times';
    else if (to === '' && from !== '') out.businessHoursTo = 'ticket_metrics.settings.errors.both_times';
    else if (from !== '' && parseClockTime(from)! >= parseClockTime(to, true)!) out.businessHoursTo = 'ticket_metrics.settings.errors.order';
  }
  return out;
}

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export function isSettingName(name: string): name is SettingName {
  return Object.prototype.hasOwnProperty.call(SETTINGS, name);
}

export function defaultSettings(config: AppConfig): SiteSettings {
  const out = {} as SiteSettings;
  for (const n of SETTING_NAMES) out[n] = SETTINGS[n].def(config);
  return out;
}

/** Stored values over the defaults; a stored value that no longer passes its check (an old zone name) falls back. */
export function resolveSettings(config: AppConfig, stored: Iterable<{ name: string; value: string }>): SiteSettings {
  const out = defaultSettings(config);
  for (const row of stored) {
    if (isSettingName(row.name) && SETTINGS[row.name].check(row.value) === null) out[row.name] = row.value;
  }
  return out;
}

/** `Name <address>` or a bare address, as MAIL_FROM is written. */
export function senderOf(from: string): { name: string; address: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  return m ? { name: m[1].trim(), address: m[2].trim() } : { name: '', address: from.trim() };
}

/** WCAG 2 contrast ratio of `#rrggbb` against white. */
export function contrastOnWhite(hex: string): number {
  const ch = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * ch(1) + 0.7152 * ch(3) + 0.0722 * ch(5);
  return 1.05 / (lum + 0.05);
}

/** Every zone the runtime knows, for the time zone select; UTC first. */
export function timeZoneNames(): string[] {
  const all = (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  return ['UTC', ...all.filter((z) => z !== 'UTC')];
}
