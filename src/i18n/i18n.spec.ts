import { fromAcceptLanguage, translate } from './i18n';

describe('i18n', () => {
  it('interpolates variables and passes unknown keys through', () => {
    expect(translate('en', 'account.welcome', { name: 'Ann' })).toBe('Welcome, Ann!');
    expect(translate('ru', 'account.welcome', { name: 'Аня' })).toBe('Здравствуйте, Аня!');
    expect(translate('en', 'Plain text')).toBe('Plain text');
  });

  it('reads Accept-Language with q-values', () => {
    expect(fromAcceptLanguage('de-DE,de;q=0.9,ru;q=0.8,en;q=0.7')).toBe('ru');
    expect(fromAcceptLanguage('en-US,ru;q=0.1')).toBe('en');
    expect(fromAcceptLanguage('ru;q=0,en;q=0.5')).toBe('en');
    expect(fromAcceptLanguage('fr')).toBeNull();
    expect(fromAcceptLanguage(undefined)).toBeNull();
  });
});
