import { AddressTokens, parseAddress, signedAddress } from './address-tokens';

const tokens = new AddressTokens('test-secret-key-0123456789abcdef0123456789abcdef');
const other = new AddressTokens('another-secret-0123456789abcdef0123456789abcdef');
const DAY = 86_400_000;

describe('AddressTokens', () => {
  it('round-trips a ref, in lower-case base32 letters and digits only, short enough for a local part', () => {
    const t = tokens.make('bounce', 'r12345');
    expect(t).toMatch(/^[a-z0-9-]+$/);
    expect(`bounce+${t}`.length).toBeLessThanOrEqual(64);
    const check = tokens.verify('bounce', t, 30);
    expect(check).toMatchObject({ ok: true, ref: 'r12345' });
  });

  it('survives an MTA that changes the case of the local part', () => {
    const t = tokens.make('reply', 't7');
    expect(tokens.verify('reply', t.toUpperCase(), 30)).toMatchObject({ ok: true, ref: 't7' });
  });

  it('is bound to its purpose, its ref and the secret', () => {
    const t = tokens.make('bounce', 'r1');
    expect(tokens.verify('reply', t, 30)).toEqual({ ok: false, reason: 'forged' });
    expect(tokens.verify('bounce', t.replace(/^r1-/, 'r2-'), 30)).toEqual({ ok: false, reason: 'forged' });
    expect(other.verify('bounce', t, 30)).toEqual({ ok: false, reason: 'forged' });
    const flipped = t.slice(0, -1) + (t.endsWith('a') ? 'b' : 'a');
    expect(tokens.verify('bounce', flipped, 30)).toEqual({ ok: false, reason: 'forged' });
  });

  it('expires after maxAgeDays, and a day from the future is forged', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const old = tokens.make('bounce', 'o9', new Date(now.getTime() - 31 * DAY));
    expect(tokens.verify('bounce', old, 30, now)).toEqual({ ok: false, reason: 'expired' });
    expect(tokens.verify('bounce', old, 31, now)).toMatchObject({ ok: true });
    const future = tokens.make('bounce', 'o9', new Date(now.getTime() + 3 * DAY));
    expect(tokens.verify('bounce', future, 30, now)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses malformed tokens and bad refs', () => {
    for (const bad of ['', 'r1', 'r1-abc', 'r1-kz-!!!!!!!!!!!!!!!!', 'x'.repeat(200)]) expect(tokens.verify('bounce', bad, 30).ok).toBe(false);
    expect(() => tokens.make('bounce', 'R1')).toThrow();
    expect(() => tokens.make('bounce', '1r')).toThrow();
  });

  it('signedAddress and parseAddress agree', () => {
    const a = parseAddress(signedAddress(tokens, 'in.example.com', 'reply', 't42').toUpperCase())!;
    expect(a).toMatchObject({ domain: 'in.example.com', base: 'reply' });
    expect(tokens.verify('reply', a.tag!, 365)).toMatchObject({ ok: true, ref: 't42' });
    expect(parseAddress('plain@example.com')).toMatchObject({ base: 'plain', tag: null });
    expect(parseAddress('@example.com')).toBeNull();
  });
});
