import { formatDate, formatDateTime, formatStart, formatUntil, formatterFor } from './date-format';
import {
  endOfLocalDay,
  instantOf,
  isStartOfLocalDay,
  localDateString,
  localDateTimeString,
  offsetAt,
  parseCalendarDate,
  parseLocalDateTime,
  startOfLocalDay,
  untilDay,
} from './zoned-time';

const iso = (d: Date | null) => d?.toISOString() ?? null;
const local = (s: string, zone: string) => {
  const r = parseLocalDateTime(s, zone);
  return r.ok ? r.at.toISOString() : r.error;
};

describe('zoned time: reading local dates and times', () => {
  it('reads an "until" date as the start of the next day in the zone', () => {
    expect(iso(endOfLocalDay('2027-03-31', 'Asia/Yekaterinburg'))).toBe('2027-03-31T19:00:00.000Z');
    expect(iso(endOfLocalDay('2027-03-31', 'UTC'))).toBe('2027-04-01T00:00:00.000Z');
    expect(iso(endOfLocalDay('2027-03-31', 'America/New_York'))).toBe('2027-04-01T04:00:00.000Z'); // EDT
    expect(iso(endOfLocalDay('2027-01-31', 'America/New_York'))).toBe('2027-02-01T05:00:00.000Z'); // EST
    expect(iso(endOfLocalDay('2027-03-31', 'Asia/Kathmandu'))).toBe('2027-03-31T18:15:00.000Z'); // +05:45
  });

  it('crosses month and year boundaries and leap days', () => {
    expect(iso(endOfLocalDay('2026-12-31', 'Europe/Berlin'))).toBe('2026-12-31T23:00:00.000Z');
    expect(iso(endOfLocalDay('2026-12-31', 'Asia/Kathmandu'))).toBe('2026-12-31T18:15:00.000Z');
    expect(iso(endOfLocalDay('2028-02-28', 'UTC'))).toBe('2028-02-29T00:00:00.000Z');
    expect(iso(startOfLocalDay('2027-01-01', 'America/New_York'))).toBe('2027-01-01T05:00:00.000Z');
    expect(localDateString(new Date('2026-12-31T23:30:00Z'), 'Europe/Berlin')).toBe('2027-01-01');
    expect(localDateString(new Date('2026-12-31T23:30:00Z'), 'America/New_York')).toBe('2026-12-31');
  });

  it('refuses what is no date', () => {
    for (const bad of ['2027-02-29', '2027-13-01', '2027-04-31', '27-03-31', '2027-3-31', '', '2027-03-31T00:00', '0999-01-01']) {
      expect(endOfLocalDay(bad, 'UTC')).toBeNull();
      expect(startOfLocalDay(bad, 'UTC')).toBeNull();
    }
    expect(parseCalendarDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    expect(local('2027-03-31T24:00', 'UTC')).toBe('invalid');
    expect(local('2027-03-31 10:00', 'UTC')).toBe('invalid');
    expect(local('2027-02-30T10:00', 'UTC')).toBe('invalid');
  });

  it('Europe/Berlin: a time in the spring gap is an error, an autumn time that happens twice is the earlier', () => {
    // 28 March 2027: 02:00 CET → 03:00 CEST
    expect(local('2027-03-28T01:59', 'Europe/Berlin')).toBe('2027-03-28T00:59:00.000Z');
    expect(local('2027-03-28T02:30', 'Europe/Berlin')).toBe('gap');
    expect(local('2027-03-28T03:00', 'Europe/Berlin')).toBe('2027-03-28T01:00:00.000Z');
    expect(iso(instantOf({ year: 2027, month: 3, day: 28, hour: 2, minute: 30, second: 0 }, 'Europe/Berlin', 'later'))).toBe('2027-03-28T01:30:00.000Z'); // 03:30 CEST
    // 31 October 2027: 03:00 CEST → 02:00 CET, so 02:30 happens at 00:30Z and at 01:30Z
    expect(local('2027-10-31T02:30', 'Europe/Berlin')).toBe('2027-10-31T00:30:00.000Z');
    expect(local('2027-10-31T03:00', 'Europe/Berlin')).toBe('2027-10-31T02:00:00.000Z');
    // the day of the change is 23 or 25 hours long, and its end is still the next local midnight
    expect(iso(endOfLocalDay('2027-03-28', 'Europe/Berlin'))).toBe('2027-03-28T22:00:00.000Z');
    expect(iso(endOfLocalDay('2027-10-31', 'Europe/Berlin'))).toBe('2027-10-31T23:00:00.000Z');
  });

  it('America/New_York: the same at 02:00 and 01:00 local', () => {
    // 14 March 2027: 02:00 EST → 03:00 EDT; 7 November 2027: 02:00 EDT → 01:00 EST
    expect(local('2027-03-14T02:15', 'America/New_York')).toBe('gap');
    expect(local('2027-03-14T01:59', 'America/New_York')).toBe('2027-03-14T06:59:00.000Z');
    expect(local('2027-03-14T03:00', 'America/New_York')).toBe('2027-03-14T07:00:00.000Z');
    expect(local('2027-11-07T01:30', 'America/New_York')).toBe('2027-11-07T05:30:00.000Z'); // EDT, the earlier
    expect(local('2027-11-07T02:00', 'America/New_York')).toBe('2027-11-07T07:00:00.000Z');
  });

  it('a +05:45 zone and a zone whose day begins in a gap', () => {
    expect(offsetAt(Date.parse('2027-06-01T00:00:00Z'), 'Asia/Kathmandu')).toBe((5 * 60 + 45) * 60_000);
    expect(local('2027-06-01T00:00', 'Asia/Kathmandu')).toBe('2027-05-31T18:15:00.000Z');
    // Chile moves its clocks at midnight: on 5 September 2027, 00:00 → 01:00, so that day starts at 01:00 local.
    const start = startOfLocalDay('2027-09-05', 'America/Santiago')!;
    expect(start.toISOString()).toBe('2027-09-05T04:00:00.000Z');
    expect(localDateTimeString(start, 'America/Santiago')).toBe('2027-09-05T01:00');
    expect(isStartOfLocalDay(start, 'America/Santiago')).toBe(true);
    expect(localDateString(untilDay(endOfLocalDay('2027-09-04', 'America/Santiago')!, 'America/Santiago'), 'America/Santiago')).toBe('2027-09-04');
  });

  it('gives back the date that was entered', () => {
    for (const zone of ['UTC', 'Asia/Yekaterinburg', 'America/New_York', 'Europe/Berlin', 'Asia/Kathmandu', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      for (const day of ['2027-03-31', '2027-03-28', '2027-10-31', '2026-12-31', '2028-02-29']) {
        expect(localDateString(untilDay(endOfLocalDay(day, zone)!, zone), zone)).toBe(day);
        expect(localDateString(startOfLocalDay(day, zone)!, zone)).toBe(day);
      }
    }
    expect(localDateTimeString(new Date(local('2027-07-01T09:05', 'Asia/Yekaterinburg')), 'Asia/Yekaterinburg')).toBe('2027-07-01T09:05');
  });
});

describe('date formatting', () => {
  const yekaterinburg = { timeZone: 'Asia/Yekaterinburg', showZone: false };
  const end = new Date('2027-03-31T19:00:00.000Z');

  it('shows an "until" date as entered, in both languages', () => {
    expect(formatUntil(end, { locale: 'en', ...yekaterinburg })).toBe('31 Mar 2027');
    expect(formatUntil(end, { locale: 'ru', ...yekaterinburg })).toBe('31 мар. 2027 г.');
    // an end stored before, at midnight UTC, is still 31 March where the site zone is UTC
    expect(formatUntil(new Date('2027-04-01T00:00:00Z'), { locale: 'en', timeZone: 'UTC', showZone: false })).toBe('31 Mar 2027');
    // an end at another time (access for 30 days from a purchase) is its date and time
    expect(formatUntil(new Date('2027-04-01T09:30:00Z'), { locale: 'en', ...yekaterinburg })).toBe('1 Apr 2027, 14:30');
  });

  it('shows date and time in the zone, named when asked', () => {
    const at = new Date('2027-03-31T18:59:00Z');
    expect(formatDateTime(at, { locale: 'en', ...yekaterinburg })).toBe('31 Mar 2027, 23:59');
    expect(formatDateTime(at, { locale: 'en', timeZone: 'Asia/Yekaterinburg', showZone: true })).toBe('31 Mar 2027, 23:59 GMT+5');
    expect(formatDateTime(at, { locale: 'en', timeZone: 'Europe/Berlin', showZone: true })).toBe('31 Mar 2027, 20:59 CEST');
    expect(formatDateTime(at, { locale: 'ru', timeZone: 'UTC', showZone: false })).toBe('31 мар. 2027 г., 18:59');
    expect(formatDateTime('2027-03-31T18:59:00Z', { locale: 'en', timeZone: 'Asia/Kathmandu', showZone: false })).toBe('1 Apr 2027, 00:44');
    expect(formatDate(at, { locale: 'en', timeZone: 'Asia/Kathmandu', showZone: true })).toBe('1 Apr 2027');
    expect(formatDateTime(null, { locale: 'en', timeZone: 'UTC', showZone: false })).toBe('');
    expect(formatDateTime('not a date', { locale: 'en', timeZone: 'UTC', showZone: false })).toBe('');
  });

  it('shows an opening date alone when it is the start of a day', () => {
    const r = { locale: 'en' as const, timeZone: 'America/New_York', showZone: false };
    expect(formatStart(startOfLocalDay('2027-03-14', r.timeZone), r)).toBe('14 Mar 2027');
    expect(formatStart(new Date('2027-03-14T15:00:00Z'), r)).toBe('14 Mar 2027, 11:00');
  });

  it('makes each formatter once', () => {
    expect(formatterFor('en', 'Asia/Tokyo', 'date')).toBe(formatterFor('en', 'Asia/Tokyo', 'date'));
    expect(formatterFor('en', 'Asia/Tokyo', 'date')).not.toBe(formatterFor('ru', 'Asia/Tokyo', 'date'));
  });
});
