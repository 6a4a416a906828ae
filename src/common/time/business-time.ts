/**
 * Business time: how much of a span falls within working hours (working days of the week, a from–to wall-clock
 * time) in an IANA zone. Hours are wall-clock times in the zone, so a working day 09:00–18:00 is nine hours in
 * summer and in winter, and a day whose clocks change inside its hours is an hour shorter or longer.
 *
 * The cost is O(days) arithmetic and O(weeks) zone look-ups: a whole week with one offset throughout (no clock
 * change inside it) counts as its working days times the day's length without asking the zone day by day. This
 * assumes the zone does not change its offset twice within one week and back again, which no zone does today
 * (zoned-time.ts already assumes at most one change within two days).
 */

import { instantOf, offsetAt } from './zoned-time';

/** Working hours: ISO weekdays (1 = Monday … 7 = Sunday) and minutes of the day, from inclusive to exclusive. */
export interface BusinessHours {
  days: ReadonlySet<number>;
  /** 0 … 1439. */
  fromMinute: number;
  /** fromMinute + 1 … 1440 (24:00, the end of the day). */
  toMinute: number;
}

const DAY = 86_400_000;
const MINUTE = 60_000;

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** `HH:MM` (00:00–23:59; `24:00` too when `allowEndOfDay`) as minutes of the day, or null. */
export function parseClockTime(s: string, allowEndOfDay = false): number | null {
  if (allowEndOfDay && s === '24:00') return 1440;
  const m = TIME_RE.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** `1,2,3,4,5` (ISO weekdays, each once, any order) as a set, or null when malformed. Empty text is the empty set. */
export function parseWeekdays(s: string): Set<number> | null {
  if (s === '') return new Set();
  const parts = s.split(',');
  const set = new Set<number>();
  for (const p of parts) {
    if (!/^[1-7]$/.test(p) || set.has(Number(p))) return null;
    set.add(Number(p));
  }
  return set;
}

/**
 * The settings' three texts as working hours. No working days = business hours off (null: time runs around the
 * clock). Days without times = those whole days. Anything malformed is off too (the settings check refuses it).
 */
export function businessHoursFrom(days: string, from: string, to: string): BusinessHours | null {
  const set = parseWeekdays(days);
  if (!set || set.size === 0) return null;
  if (from === '' && to === '') return { days: set, fromMinute: 0, toMinute: 1440 };
  const f = parseClockTime(from);
  const t = parseClockTime(to, true);
  if (f === null || t === null || f >= t) return null;
  return { days: set, fromMinute: f, toMinute: t };
}

/** ISO weekday (1 = Monday) of a day number counted from 1970-01-01, a Thursday. */
function weekdayOf(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

/** The instant a wall-clock moment (ms since the epoch, read as if UTC) names in `zone`, trying `guess` first. */
function toInstant(wall: number, zone: string, guess: number): number {
  const t = wall - guess;
  if (offsetAt(t, zone) === guess) return t;
  const d = new Date(wall);
  const w = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
  // a time the clocks skip counts from when the gap ends; a time that happens twice, the first time
  return instantOf(w, zone, 'later')!.getTime();
}

/**
 * Milliseconds of [start, end) within `hours` in `zone`; with no hours (business hours off), the whole span.
 * An end before the start is 0.
 */
export function businessMillis(start: Date | number, end: Date | number, hours: BusinessHours | null, zone: string): number {
  const a = +start;
  const b = +end;
  if (!(b > a)) return 0;
  if (!hours) return b - a;
  const firstDay = Math.floor((a + offsetAt(a, zone)) / DAY);
  const lastDay = Math.floor((b + offsetAt(b, zone)) / DAY);
  const dayLength = (hours.toMinute - hours.fromMinute) * MINUTE;
  const perWeek = hours.days.size * dayLength;
  let off = offsetAt(a, zone);
  /** The instant at which `off` was last seen to hold (a week's end), so the next week need not ask again. */
  let checkedAt = NaN;
  let total = 0;
  let d = firstDay;
  while (d <= lastDay) {
    // A whole week strictly between the first and the last day, with one offset from its start to its end.
    if (d > firstDay && d + 7 < lastDay) {
      const weekStart = d * DAY - off;
      const weekEnd = (d + 7) * DAY - off;
      if ((checkedAt === weekStart || offsetAt(weekStart, zone) === off) && offsetAt(weekEnd, zone) === off) {
        total += perWeek;
        checkedAt = weekEnd;
        d += 7;
        continue;
      }
    }
    if (hours.days.has(weekdayOf(d))) {
      const open = toInstant(d * DAY + hours.fromMinute * MINUTE, zone, off);
      off = offsetAt(open, zone);
      const close = toInstant(d * DAY + hours.toMinute * MINUTE, zone, off);
      off = offsetAt(close, zone);
      const from = Math.max(open, a);
      const to = Math.min(close, b);
      if (to > from) total += to - from;
    }
    d++;
  }
  return total;
}

/** Whole minutes of [start, end) within `hours` (see businessMillis). */
export function businessMinutesBetween(start: Date | number, end: Date | number, hours: BusinessHours | null, zone: string): number {
  return Math.floor(businessMillis(start, end, hours, zone) / MINUTE);
}

/** Whole seconds of [start, end) within `hours`, rounded: what a ticket stores. */
export function businessSecondsBetween(start: Date | number, end: Date | number, hours: BusinessHours | null, zone: string): number {
  return Math.round(businessMillis(start, end, hours, zone) / 1000);
}

/** Whether `instant` falls within `hours` in `zone`; with business hours off, always. */
export function isWithinBusinessHours(instant: Date | number, hours: BusinessHours | null, zone: string): boolean {
  if (!hours) return true;
  const t = +instant;
  const wall = t + offsetAt(t, zone);
  const day = Math.floor(wall / DAY);
  const minute = (wall - day * DAY) / MINUTE;
  return hours.days.has(weekdayOf(day)) && minute >= hours.fromMinute && minute < hours.toMinute;
}
