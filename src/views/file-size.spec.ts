import { humanFileSize } from './file-size';

describe('humanFileSize', () => {
  it.each([
    [0, '0 B', '0 Б'],
    [193, '193 B', '193 Б'],
    [1023, '1,023 B', '1\u00a0023 Б'],
    [1024, '1 KB', '1 КБ'],
    [1536, '1.5 KB', '1,5 КБ'],
    [193 * 1024, '193 KB', '193 КБ'],
    [1.2 * 1024 * 1024, '1.2 MB', '1,2 МБ'],
    [12.4 * 1024 * 1024, '12 MB', '12 МБ'],
    // just under a unit rounds up into the next one, never "1,024 KB"
    [1024 * 1024 - 1, '1 MB', '1 МБ'],
    [3 * 1024 ** 3, '3 GB', '3 ГБ'],
    [5000 * 1024 ** 4, '5,000 TB', '5\u00a0000 ТБ'],
  ])('%d bytes: %s / %s', (bytes, en, ru) => {
    expect(humanFileSize(bytes, 'en')).toBe(en.replace(' ', '\u00a0'));
    // (Russian groups thousands with a no-break space)
    expect(humanFileSize(bytes, 'ru').replace(/\u00a0(?=[А-Я])/, ' ')).toBe(ru);
  });

  it('falls back to English for another locale and prints nothing for a size that is not one', () => {
    expect(humanFileSize(2048, undefined)).toBe('2\u00a0KB');
    expect(humanFileSize(-1, 'en')).toBe('');
    expect(humanFileSize(Number.NaN, 'ru')).toBe('');
  });
});
