import { consentDetailLabel, enumLabel, grantReasonLabel } from './enums';

describe('enumeration labels', () => {
  it('labels a known value in the reader’s language and shows an unknown one as it is', () => {
    expect(enumLabel('ru', 'grant.source', 'key')).toBe('ключ доступа');
    expect(enumLabel('en', 'campaign.status', 'paused')).toBe('Paused');
    expect(enumLabel('ru', 'campaign.status', 'exploded')).toBe('exploded');
    expect(enumLabel('en', 'user.role', null)).toBe('');
    // a value of another enumeration that happens to have a key under the same prefix is still "unknown"
    expect(enumLabel('en', 'list.opt_in', 'title')).toBe('title');
  });

  it('translates the reasons the system writes on grants, and keeps a person’s own words', () => {
    expect(grantReasonLabel('ru', 'order #12')).toBe('заказ №12');
    expect(grantReasonLabel('ru', 'refund')).toBe('возврат');
    expect(grantReasonLabel('en', 'CSV import')).toBe('CSV import');
    expect(grantReasonLabel('ru', 'по просьбе клиента')).toBe('по просьбе клиента');
  });

  it('translates the details the mailing code writes on consent events', () => {
    expect(consentDetailLabel('ru', 'was unsubscribed')).toBe('было: Отписался от всего');
    expect(consentDetailLabel('ru', 'banned: spam')).toBe('Заблокирован: spam');
    expect(consentDetailLabel('en', 'complained (CSV import)')).toBe('Complained (spam) (CSV import)');
    expect(consentDetailLabel('ru', 'name, locale: en')).toBe('изменены имя и язык (язык: английский)');
    expect(consentDetailLabel('ru', '550 5.1.1 no such user')).toBe('550 5.1.1 no such user');
  });
});
