import { loadConfig } from '../config/config';
import { contrastOnWhite, resolveSettings, senderOf, SETTINGS, timeZoneNames } from './site-settings';

describe('site settings', () => {
  it('measures WCAG contrast against white', () => {
    expect(contrastOnWhite('#000000')).toBeCloseTo(21, 5);
    expect(contrastOnWhite('#ffffff')).toBeCloseTo(1, 5);
    expect(contrastOnWhite('#4338ca')).toBeGreaterThan(4.5);
    expect(SETTINGS.accentColour.check('#777777')).toBe('settings.errors.colour_contrast'); // 4.48:1
    expect(SETTINGS.accentColour.check('#767676')).toBeNull(); // 4.54:1, the lightest AA grey
    expect(SETTINGS.accentColour.check('red')).toBe('settings.errors.colour');
  });

  it('reads MAIL_FROM as name and address', () => {
    expect(senderOf('Школа <a@b.example>')).toEqual({ name: 'Школа', address: 'a@b.example' });
    expect(senderOf('"Ann, school" <a@b.example>')).toEqual({ name: 'Ann, school', address: 'a@b.example' });
    expect(senderOf('a@b.example')).toEqual({ name: '', address: 'a@b.example' });
  });

  it('falls back to the default for a stored value that no longer passes (a zone the runtime dropped)', () => {
    const config = loadConfig({ TZ: 'Asia/Tokyo' }, process.cwd());
    const s = resolveSettings(config, [{ name: 'timeZone', value: 'Nowhere/Gone' }, { name: 'schoolName', value: 'A' }, { name: 'retired', value: 'x' }]);
    expect(s.timeZone).toBe('Asia/Tokyo');
    expect(s.schoolName).toBe('A');
    expect(timeZoneNames()[0]).toBe('UTC');
    expect(timeZoneNames()).toContain('Europe/Moscow');
  });
});
