import {
  BusinessHours,
  businessHoursFrom,
  businessMillis,
  businessMinutesBetween,
  isWithinBusinessHours,
  parseClockTime,
  parseWeekdays,
} from './business-time';
import * as zoned from './zoned-time';

const MOSCOW = 'Europe/Moscow'; // UTC+3 all year
const BERLIN = 'Europe/Berlin'; // CET/CEST: 2026-03-29 02:00 → 03:00, 2026-10-25 03:00 → 02:00
const at = (iso: string) => new Date(iso);
const weekdays = (from: string, to: string) => businessHoursFrom('1,2,3,4,5', from, to)!;

/** The definition, the slow way: every minute whose start is within the hours counts (inputs on whole minutes). */
function bruteMinutes(start: Date, end: Date, hours: BusinessHours, zone: string): number {
  let n = 0;
  for (let t = start.getTime(); t < end.getTime(); t += 60_000) if (isWithinBusinessHours(t, hours, zone)) n++;
  return n;
}

describe('business time: parsing the settings', () => {
  it('reads HH:MM times and weekday lists', () => {
    expect(parseClockTime('09:00')).toBe(540);
    expect(parseClockTime('23:59')).toBe(1439);
    expect(parseClockTime('24:00')).toBeNull();
    expect(parseClockTime('24:00', true)).toBe(1440);
    for (const bad of ['9:00', '09:60', '25:00', '09:00:00', '', ' 09:00', '０９:００']) expect(parseClockTime(bad, true)).toBeNull();
    expect([...parseWeekdays('5,1,3')!]).toEqual([5, 1, 3]);
    expect(parseWeekdays('')!.size).toBe(0);
    for (const bad of ['0', '8', '1,1', '1,', 'mon', '1;2']) expect(parseWeekdays(bad)).toBeNull();
  });

  it('is off without working days, whole days without times, and off for what does not parse', () => {
    expect(businessHoursFrom('', '09:00', '18:00')).toBeNull();
    expect(businessHoursFrom('1,2', '', '')).toMatchObject({ fromMinute: 0, toMinute: 1440 });
    expect(businessHoursFrom('1,2', '09:00', '18:00')).toMatchObject({ fromMinute: 540, toMinute: 1080 });
    expect(businessHoursFrom('1,2', '18:00', '09:00')).toBeNull();
    expect(businessHoursFrom('1,2', '09:00', '')).toBeNull();
  });
});

describe('business time between two instants', () => {
  const h = weekdays('09:00', '18:00');

  it('is the wall-clock span when business hours are off, and 0 for an end before the start', () => {
    expect(businessMinutesBetween(at('2026-03-02T10:00:00Z'), at('2026-03-03T10:30:00Z'), null, MOSCOW)).toBe(24 * 60 + 30);
    expect(businessMinutesBetween(at('2026-03-03T10:00:00Z'), at('2026-03-02T10:00:00Z'), h, MOSCOW)).toBe(0);
    expect(businessMinutesBetween(at('2026-03-03T10:00:00Z'), at('2026-03-03T10:00:00Z'), null, MOSCOW)).toBe(0);
  });

  it('counts only working hours in Moscow: within a day, over a night, over a weekend, at night only', () => {
    // 2026-03-02 is a Monday; Moscow is UTC+3, so 09:00 local = 06:00Z
    expect(businessMinutesBetween(at('2026-03-02T07:00:00Z'), at('2026-03-02T09:00:00Z'), h, MOSCOW)).toBe(120); // Mon 10:00–12:00
    expect(businessMinutesBetween(at('2026-03-02T14:00:00Z'), at('2026-03-03T07:00:00Z'), h, MOSCOW)).toBe(120); // Mon 17:00 → Tue 10:00
    expect(businessMinutesBetween(at('2026-03-06T14:00:00Z'), at('2026-03-09T07:00:00Z'), h, MOSCOW)).toBe(120); // Fri 17:00 → Mon 10:00
    expect(businessMinutesBetween(at('2026-03-03T17:00:00Z'), at('2026-03-04T05:00:00Z'), h, MOSCOW)).toBe(0); // Tue 20:00 → Wed 08:00
    expect(businessMinutesBetween(at('2026-03-07T09:00:00Z'), at('2026-03-09T06:30:00Z'), h, MOSCOW)).toBe(30); // Sat noon → Mon 09:30
    // a client writes on Friday evening after hours; the answer comes on Monday at 09:00 sharp: no business time
    expect(businessMinutesBetween(at('2026-03-06T16:00:00Z'), at('2026-03-09T06:00:00Z'), h, MOSCOW)).toBe(0);
  });

  it('counts whole weeks over many weeks, and agrees with the minute-by-minute definition', () => {
    // twelve weeks from Monday 09:00 to Monday 09:00: 12 × 5 × 9 h
    expect(businessMinutesBetween(at('2026-01-05T06:00:00Z'), at('2026-03-30T06:00:00Z'), h, MOSCOW)).toBe(12 * 5 * 540);
    const start = at('2026-02-11T13:17:00Z');
    const end = at('2026-03-04T08:41:00Z');
    expect(businessMinutesBetween(start, end, h, MOSCOW)).toBe(bruteMinutes(start, end, h, MOSCOW));
    const odd = businessHoursFrom('2,4,6,7', '07:30', '21:15')!;
    expect(businessMinutesBetween(start, end, odd, MOSCOW)).toBe(bruteMinutes(start, end, odd, MOSCOW));
  });

  it('follows the clock change in Berlin (spring forward): the weekend between does not count, the offset moves', () => {
    // Fri 27 March 17:00 CET (16:00Z) → Mon 30 March 10:00 CEST (08:00Z): one hour on Friday, one on Monday
    expect(businessMinutesBetween(at('2026-03-27T16:00:00Z'), at('2026-03-30T08:00:00Z'), h, BERLIN)).toBe(120);
    // Monday after the change: 09:00 CEST is 07:00Z
    expect(isWithinBusinessHours(at('2026-03-30T06:59:00Z'), h, BERLIN)).toBe(false);
    expect(isWithinBusinessHours(at('2026-03-30T07:00:00Z'), h, BERLIN)).toBe(true);
    // Friday before it: 09:00 CET is 08:00Z
    expect(isWithinBusinessHours(at('2026-03-27T07:30:00Z'), h, BERLIN)).toBe(false);
    expect(isWithinBusinessHours(at('2026-03-27T08:00:00Z'), h, BERLIN)).toBe(true);
  });

  it('makes a working day that spans the change an hour shorter in spring and an hour longer in autumn', () => {
    const allDay = businessHoursFrom('1,2,3,4,5,6,7', '', '')!;
    expect(businessMinutesBetween(at('2026-03-28T23:00:00Z'), at('2026-03-29T22:00:00Z'), allDay, BERLIN)).toBe(23 * 60);
    expect(businessMinutesBetween(at('2026-10-24T22:00:00Z'), at('2026-10-25T23:00:00Z'), allDay, BERLIN)).toBe(25 * 60);
    // night hours across the spring gap: 01:00 CET → 04:00 CEST is two real hours
    const night = businessHoursFrom('7', '01:00', '04:00')!;
    expect(businessMinutesBetween(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), night, BERLIN)).toBe(120);
    // and across the autumn change, 01:00 CEST → 04:00 CET is four
    expect(businessMinutesBetween(at('2026-10-24T00:00:00Z'), at('2026-10-26T00:00:00Z'), night, BERLIN)).toBe(240);
  });

  it('agrees with the minute-by-minute definition over both Berlin clock changes', () => {
    const cases: [string, string, BusinessHours][] = [
      ['2026-03-25T11:07:00Z', '2026-04-02T15:53:00Z', h],
      ['2026-10-21T06:00:00Z', '2026-10-29T19:31:00Z', h],
      ['2026-03-26T00:00:00Z', '2026-04-01T00:00:00Z', businessHoursFrom('6,7,1', '00:30', '23:30')!],
      ['2026-10-22T05:00:00Z', '2026-10-28T05:00:00Z', businessHoursFrom('1,2,3,4,5,6,7', '01:00', '04:00')!],
    ];
    for (const [s, e, hours] of cases) expect([s, businessMinutesBetween(at(s), at(e), hours, BERLIN)]).toEqual([s, bruteMinutes(at(s), at(e), hours, BERLIN)]);
  });

  it('spans of years are quick: whole weeks are counted at once, not day by day or minute by minute', () => {
    const lookups = jest.spyOn(zoned, 'offsetAt');
    // 2016-01-04 (Mon) → 2026-01-05 (Mon): 522 whole weeks, Monday 09:00 CET at both ends
    expect(businessMillis(at('2016-01-04T08:00:00Z'), at('2026-01-05T08:00:00Z'), h, BERLIN) / 60_000).toBe(522 * 5 * 540);
    // one look-up a week plus a few days around each of the twenty clock changes; day by day would be 7,300
    expect(lookups.mock.calls.length).toBeGreaterThan(500); // the spy sees them
    expect(lookups.mock.calls.length).toBeLessThan(1500);
    lookups.mockRestore();
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) businessMillis(at('2015-01-01T10:00:00Z'), at('2025-01-01T10:00:00Z'), h, BERLIN);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1500);
  });
});
