/**
 * Wall-clock time in an IANA zone, with Intl only (Node has full ICU): what a local date or time in a zone means
 * as an instant, and back. Every date a person types is read here, in the zone they see dates in, so a form that
 * shows 31 March reads 31 March back.
 *
 * The rule for dates without a time: an "until" date names the last day that counts, and is stored as the
 * instant the next day begins in the zone (an exclusive end, as the access rule reads `endsAt > now`). A grant
 * "until 2027-03-31" in Asia/Yekaterinburg (UTC+5) ends at 2027-03-31T19:00:00.000Z. Shown back, such an end
 * is the date of the instant just before it (`untilDay`). A "from" or "opens on" date is the instant the day
 * begins. Both are exact seconds, which every engine stores as given.
 */

import { isTimeZone } from '../../config/config';

const knownZones = new Set<string>();

/** isTimeZone, remembered: it builds a formatter, and a stored zone is checked on every request of its user. */
export function isKnownTimeZone(zone: string): boolean {
  if (knownZones.has(zone)) return true;
  if (!isTimeZone(zone)) return false;
  knownZones.add(zone);
  return true;
}

/** The zone a person reads and enters dates in: their own when they picked one the runtime knows, else the site's. */
export function readerZone(user: { timeZone: string | null } | null, siteZone: string): string {
  return user?.timeZone && isKnownTimeZone(user.timeZone) ? user.timeZone : siteZone;
}

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** What to do with a local time that does not exist (clocks go forward over it). */
export type GapRule = 'reject' | 'later';

const DAY_MS = 86_400_000;

// One parts formatter per zone: building an Intl.DateTimeFormat costs far more than using one.
const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormatters.set(zone, f);
  }
  return f;
}

/** The wall clock in `zone` at `instant` (whole seconds). */
export function wallTimeOf(instant: Date | number, zone: string): WallTime {
  const w: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of partsFormatter(zone).formatToParts(instant)) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') {
      w[p.type] = Number(p.value);
    }
  }
  if (w.hour === 24) w.hour = 0; // old ICU versions wrote midnight as 24 even with h23
  return w;
}

function wallMs(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** The zone's offset from UTC at `instant`, in ms (UTC+5 → 18 000 000), to the second. */
export function offsetAt(instant: number, zone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallMs(wallTimeOf(whole, zone)) - whole;
}

/**
 * The instant a wall time in `zone` names. Where clocks go back, a wall time happens twice: the earlier is taken.
 * Where they go forward, it never happens: null with `reject`; with `later` the instant the gap ends, i.e. the
 * time shifted forward by the length of the gap (02:30 in a gap of 02:00–03:00 becomes 03:30), as Temporal's
 * "compatible" rule does.
 */
export function instantOf(w: WallTime, zone: string, gap: GapRule = 'reject'): Date | null {
  const asUtc = wallMs(w);
  // Offsets a day before and after: zones change their offset at most once within two days.
  const before = offsetAt(asUtc - DAY_MS, zone);
  const after = offsetAt(asUtc + DAY_MS, zone);
  const candidates = [asUtc - before, asUtc - after].filter((t) => offsetAt(t, zone) === asUtc - t);
  if (candidates.length) return new Date(Math.min(...candidates));
  return gap === 'later' ? new Date(asUtc - before) : null;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** `YYYY-MM-DD` as a calendar date, or null when it is no such date (2027-02-30). */
export function parseCalendarDate(s: string): { year: number; month: number; day: number } | null {
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1000 || !isRealDate(year, month, day)) return null;
  return { year, month, day };
}

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The first instant of a day in `zone` (a day that starts in a gap starts when the gap ends). */
function startOfDay(year: number, month: number, day: number, zone: string): Date {
  return instantOf({ year, month, day, hour: 0, minute: 0, second: 0 }, zone, 'later')!;
}

/** `YYYY-MM-DD` read as the day it names in `zone`: the instant it begins ("from", "opens on"); null if malformed. */
export function startOfLocalDay(s: string, zone: string): Date | null {
  const d = parseCalendarDate(s);
  return d ? startOfDay(d.year, d.month, d.day, zone) : null;
}

/** `YYYY-MM-DD` read as an "until" date in `zone`: the instant the next day begins; null if malformed. */
export function endOfLocalDay(s: string, zone: string): Date | null {
  const d = parseCalendarDate(s);
  if (!d) return null;
  const next = new Date(Date.UTC(d.year, d.month - 1, d.day + 1));
  return startOfDay(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), zone);
}

export type LocalDateTimeResult = { ok: true; at: Date } | { ok: false; error: 'invalid' | 'gap' };

/**
 * `YYYY-MM-DDTHH:mm[:ss]` (a datetime-local input) as a local time in `zone`. A time that does not exist there
 * (clocks go forward over it) is an error the form shows, not a silent shift; an ambiguous one is the earlier.
 */
export function parseLocalDateTime(s: string, zone: string): LocalDateTimeResult {
  const m = DATETIME_RE.exec(s);
  if (!m) return { ok: false, error: 'invalid' };
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0));
  if (year < 1000 || !isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return { ok: false, error: 'invalid' };
  const at = instantOf({ year, month, day, hour, minute, second }, zone, 'reject');
  return at ? { ok: true, at } : { ok: false, error: 'gap' };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** The `YYYY-MM-DD` of `instant` in `zone` (a date input's value). */
export function localDateString(instant: Date, zone: string): string {
  const w = wallTimeOf(instant, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/** The `YYYY-MM-DDTHH:mm` of `instant` in `zone` (a datetime-local input's value). */
export function localDateTimeString(instant: Date, zone: string): string {
  const w = wallTimeOf(instant, zone);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** Whether `instant` is the first instant of a day in `zone` (an end or start stored from a date alone). */
export function isStartOfLocalDay(instant: Date, zone: string): boolean {
  const t = instant.getTime();
  if (t % 1000 !== 0) return false;
  const w = wallTimeOf(instant, zone);
  if (w.hour === 0 && w.minute === 0 && w.second === 0) return true;
  // A day that begins in a gap begins when the gap ends: the second before is still the day before.
  return wallTimeOf(t - 1000, zone).day !== w.day && w.minute === 0 && w.second === 0;
}

/**
 * The last day an exclusive end leaves in: an end stored from "until 31 March" (the start of 1 April) is
 * 31 March; an end at any other time is the day it falls on.
 */
export function untilDay(end: Date, zone: string): Date {
  return isStartOfLocalDay(end, zone) ? new Date(end.getTime() - 1) : end;
}

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * An end as a form or the API gives it: `YYYY-MM-DD` is an "until" date (the end of that day in `zone`),
 * `YYYY-MM-DDTHH:mm[:ss]` a local time in `zone`, and a timestamp with `Z` or an offset means what it says.
 */
export function parseUntil(s: string, zone: string): LocalDateTimeResult {
  if (DATE_RE.test(s)) {
    const at = endOfLocalDay(s, zone);
    return at ? { ok: true, at } : { ok: false, error: 'invalid' };
  }
  if (DATETIME_RE.test(s)) return parseLocalDateTime(s, zone);
  if (INSTANT_RE.test(s)) {
    const at = new Date(s);
    return Number.isNaN(at.getTime()) ? { ok: false, error: 'invalid' } : { ok: true, at };
  }
  return { ok: false, error: 'invalid' };
}
