import { endOfDay } from './clients.views';

describe('endOfDay', () => {
  it('turns a calendar day into the first moment after it (UTC)', () => {
    expect(endOfDay('2030-01-31')!.toISOString()).toBe('2030-02-01T00:00:00.000Z');
    expect(endOfDay('2028-02-29')!.toISOString()).toBe('2028-03-01T00:00:00.000Z');
  });

  it('refuses what is not a real YYYY-MM-DD day', () => {
    for (const v of ['2030-02-30', '2027-02-29', '31/12/2030', '2030-1-5', '', '2030-01-31T10:00:00Z']) expect(endOfDay(v)).toBeNull();
  });
});
