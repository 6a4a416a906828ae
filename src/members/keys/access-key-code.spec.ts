import { generateCode, KEY_ALPHABET, normaliseCode } from './access-key-code';

describe('access key codes', () => {
  it('uses 32 distinct, unambiguous symbols', () => {
    expect(new Set(KEY_ALPHABET).size).toBe(32);
    expect(KEY_ALPHABET).not.toMatch(/[01IO]/);
  });

  it('generates XXXX-XXXX-XXXX-XXXX codes that normalise to themselves', () => {
    for (let i = 0; i < 200; i++) {
      const c = generateCode();
      expect(c).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
      expect(normaliseCode(c)).toBe(c);
    }
  });

  it('ignores case, spaces and dashes; refuses impossible input', () => {
    expect(normaliseCode(' abcd efgh-jklm—npqr ')).toBe('ABCD-EFGH-JKLM-NPQR');
    expect(normaliseCode('ABCD-EFGH-JKLM-NPQ')).toBeNull();
    expect(normaliseCode('ABCD-EFGH-JKLM-NPQ0')).toBeNull();
    expect(normaliseCode('')).toBeNull();
  });
});
