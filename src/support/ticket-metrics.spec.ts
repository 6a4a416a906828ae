import { businessHoursFrom } from '../common/time/business-time';
import { clockOf, figuresOf, median, MetricsClock } from './ticket-metrics';

const wall: MetricsClock = { hours: null, zone: 'Europe/Moscow' };
const office: MetricsClock = { hours: businessHoursFrom('1,2,3,4,5', '09:00', '18:00'), zone: 'Europe/Moscow' };
const at = (iso: string) => new Date(iso);

describe('ticket metrics: figures and medians', () => {
  it('reads the clock from the settings: off without working days', () => {
    expect(clockOf({ businessDays: '', businessHoursFrom: '09:00', businessHoursTo: '18:00', timeZone: 'UTC' }).hours).toBeNull();
    expect(clockOf({ businessDays: '1,5', businessHoursFrom: '09:00', businessHoursTo: '18:00', timeZone: 'Asia/Tokyo' })).toMatchObject({ zone: 'Asia/Tokyo', hours: { fromMinute: 540, toMinute: 1080 } });
  });

  it('uses the stored figures, counts the ones a path did not store, and has no resolution while open', () => {
    // Friday 17:00 Moscow → Monday 10:00: 3 days of wall-clock, 2 business hours
    const base = { createdAt: at('2026-03-06T14:00:00Z'), firstResponseAt: at('2026-03-09T07:00:00Z'), closedAt: null, firstResponseSeconds: null, resolutionSeconds: null };
    expect(figuresOf(base, office)).toEqual({ firstResponseSeconds: 7200, resolutionSeconds: null });
    expect(figuresOf(base, wall)).toEqual({ firstResponseSeconds: 65 * 3600, resolutionSeconds: null });
    expect(figuresOf({ ...base, firstResponseSeconds: 42 }, office).firstResponseSeconds).toBe(42);
    // a stored resolution outlives nothing: without closed_at there is none
    expect(figuresOf({ ...base, resolutionSeconds: 99 }, office).resolutionSeconds).toBeNull();
    expect(figuresOf({ ...base, closedAt: at('2026-03-09T08:00:00Z') }, office).resolutionSeconds).toBe(3 * 3600);
    expect(figuresOf({ ...base, firstResponseAt: null }, office).firstResponseSeconds).toBeNull();
  });

  it('takes the median of odd and even counts', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 30, 20])).toBe(25);
    expect(median([1, 2])).toBe(2); // 1.5, rounded: figures are whole seconds
  });
});
