import { parseSort, sortBase, sortParam } from './sorting';

describe('list sorting', () => {
  const def = { key: 'created', desc: true } as const;
  it('reads key and direction, and falls back to the default on anything else', () => {
    expect(parseSort('email', ['email', 'created'], def)).toEqual({ key: 'email', desc: false });
    expect(parseSort('-email', ['email', 'created'], def)).toEqual({ key: 'email', desc: true });
    expect(parseSort('password_hash', ['email', 'created'], def)).toBe(def);
    expect(parseSort('-', ['email', 'created'], def)).toBe(def);
    expect(parseSort(undefined, ['email'], def)).toBe(def);
    expect(sortParam({ key: 'email', desc: true })).toBe('-email');
  });
  it('keeps the filters and drops the order and offset in the header links', () => {
    expect(sortBase({ q: 'ann & bob', sort: '-email', offset: '50', status: '', product: '3' })).toBe('?q=ann+%26+bob&product=3&');
    expect(sortBase({})).toBe('?');
  });
});
