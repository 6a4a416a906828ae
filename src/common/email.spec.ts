import { isEmail, normaliseEmail } from './email';

describe('the e-mail address rule', () => {
  it.each(['anna@example.com', 'a.b+tag@sub.example.co', 'ёжик@пример.рф', 'x@y.z'])('accepts %s', (a) => {
    expect(isEmail(a)).toBe(true);
  });

  it.each([
    ['no at', 'anna.example.com'],
    ['no dot in the domain', 'anna@localhost'],
    ['two ats', 'a@b@example.com'],
    ['a space', 'an na@example.com'],
    ['a display name', 'Anna <anna@example.com>'],
    ['a list', 'a@example.com,b@example.com'],
    ['a lone surrogate', 'a\ud800@example.com'],
    ['NUL', 'a\u0000@example.com'],
    ['U+2028', 'a\u2028@example.com'],
    ['a control character', 'a\u0007@example.com'],
    ['too long', `${'a'.repeat(250)}@example.com`],
    ['not a string', 42],
  ])('refuses %s', (_, a) => {
    expect(isEmail(a)).toBe(false);
  });

  it('normalises to trimmed lower case', () => {
    expect(normaliseEmail('  Anna@Example.COM ')).toBe('anna@example.com');
  });
});
