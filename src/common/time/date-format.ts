import type { Locale } from '../../config/config';
import { isStartOfLocalDay, untilDay } from './zoned-time';

/**
 * Dates and times as people read them, in a locale and a zone. Templates reach these through the filters in
 * views/view-helpers.ts (`datetime`, `date`, `until`, `opens`), mails the same way.
 *
 * Building an Intl.DateTimeFormat costs far more than using one (tens of microseconds against one or two), and
 * the lesson page formats a date per locked lesson: each formatter is made once per locale, zone and style and
 * kept. The cache holds at most a few thousand (every zone × 2 locales × 3 styles is ~2 600), bounded anyway.
 */

export type DateStyle = 'date' | 'datetime' | 'datetimeZone';

const INTL_LOCALE: Record<Locale, string> = { ru: 'ru-RU', en: 'en-GB' };
const MAX_FORMATTERS = 5_000;

const OPTIONS: Record<DateStyle, Intl.DateTimeFormatOptions> = {
  // en "31 Mar 2027", ru "31 мар. 2027 г."
  date: { day: 'numeric', month: 'short', year: 'numeric' },
  // en "31 Mar 2027, 18:59", ru "31 мар. 2027 г., 18:59"
  datetime: { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  // en "31 Mar 2027, 18:59 GMT+5", "… 20:59 CEST"; ru "… 20:59 GMT+2"
  datetimeZone: { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' },
};

const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatterFor(locale: Locale, zone: string, style: DateStyle): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${style}`;
  let f = formatters.get(key);
  if (!f) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    f = new Intl.DateTimeFormat(INTL_LOCALE[locale] ?? INTL_LOCALE.en, { ...OPTIONS[style], timeZone: zone });
    formatters.set(key, f);
  }
  return f;
}

/** How a reader sees dates: their language, their zone, and whether times carry the zone's name. */
export interface DateReader {
  locale: Locale;
  timeZone: string;
  showZone: boolean;
}

export function toDate(v: Date | string | number | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Date and time, with the zone's name when the reader wants it. */
export function formatDateTime(v: Date | string | number | null | undefined, r: DateReader): string {
  const d = toDate(v);
  return d ? formatterFor(r.locale, r.timeZone, r.showZone ? 'datetimeZone' : 'datetime').format(d) : '';
}

/** The day alone. */
export function formatDate(v: Date | string | number | null | undefined, r: DateReader): string {
  const d = toDate(v);
  return d ? formatterFor(r.locale, r.timeZone, 'date').format(d) : '';
}

/**
 * An exclusive end ("access until …"): stored from a date, it is the last day that counts, shown as it was
 * entered (the end 2027-04-01T00:00 local is "31 Mar 2027"); any other end is its date and time.
 */
export function formatUntil(v: Date | string | number | null | undefined, r: DateReader): string {
  const d = toDate(v);
  if (!d) return '';
  return isStartOfLocalDay(d, r.timeZone) ? formatDate(untilDay(d, r.timeZone), r) : formatDateTime(d, r);
}

/** A start ("opens on …"): the day alone when it is the start of a day, else date and time. */
export function formatStart(v: Date | string | number | null | undefined, r: DateReader): string {
  const d = toDate(v);
  if (!d) return '';
  return isStartOfLocalDay(d, r.timeZone) ? formatDate(d, r) : formatDateTime(d, r);
}
