import { dbBool, dbDate, dbDateOrNull } from './raw';

describe('raw row helpers', () => {
  it('reads DATETIME values from both drivers as the same UTC instant', () => {
    const iso = '2026-03-04T05:06:07.891Z';
    expect(dbDate('2026-03-04 05:06:07.891').toISOString()).toBe(iso);
    expect(dbDate(new Date(iso)).toISOString()).toBe(iso);
    expect(dbDate(iso).toISOString()).toBe(iso);
    expect(dbDateOrNull(null)).toBeNull();
    expect(dbBool(1)).toBe(true);
    expect(dbBool(0)).toBe(false);
  });
});
