import { loadConfig } from '../config/config';
import { crossCheckSettings, defaultSettings, SETTINGS } from './site-settings';

describe('business hours settings', () => {
  const base = defaultSettings(loadConfig({}, process.cwd()));

  it('are off by default and check each value', () => {
    expect(base).toMatchObject({ businessDays: '', businessHoursFrom: '', businessHoursTo: '' });
    expect(SETTINGS.businessDays.check('1,2,3')).toBeNull();
    expect(SETTINGS.businessDays.check('1,1')).toBe('ticket_metrics.settings.errors.days');
    expect(SETTINGS.businessHoursFrom.check('24:00')).toBe('ticket_metrics.settings.errors.time');
    expect(SETTINGS.businessHoursTo.check('24:00')).toBeNull();
    expect(SETTINGS.businessHoursTo.check('9:00')).toBe('ticket_metrics.settings.errors.time');
  });

  it('want both times or neither, the start before the end, only when working days are set', () => {
    const on = { ...base, businessDays: '1,2,3,4,5' };
    expect(crossCheckSettings({ ...on, businessHoursFrom: '09:00', businessHoursTo: '18:00' })).toEqual({});
    expect(crossCheckSettings({ ...on, businessHoursFrom: '', businessHoursTo: '' })).toEqual({});
    expect(crossCheckSettings({ ...on, businessHoursFrom: '18:00', businessHoursTo: '09:00' })).toEqual({ businessHoursTo: 'ticket_metrics.settings.errors.order' });
    expect(crossCheckSettings({ ...on, businessHoursFrom: '09:00', businessHoursTo: '09:00' })).toEqual({ businessHoursTo: 'ticket_metrics.settings.errors.order' });
    expect(crossCheckSettings({ ...on, businessHoursFrom: '09:00', businessHoursTo: '' })).toEqual({ businessHoursTo: 'ticket_metrics.settings.errors.both_times' });
    expect(crossCheckSettings({ ...on, businessHoursFrom: '', businessHoursTo: '18:00' })).toEqual({ businessHoursFrom: 'ticket_metrics.settings.errors.both_times' });
    // off: the times are kept but not used, so nothing to refuse
    expect(crossCheckSettings({ ...base, businessHoursFrom: '18:00', businessHoursTo: '09:00' })).toEqual({});
  });
});
