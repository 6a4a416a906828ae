import * as nunjucks from 'nunjucks';
import { registerDateFilters } from './view-helpers';

describe('date filters', () => {
  const env = new nunjucks.Environment(null, { autoescape: true });
  registerDateFilters(env);
  const render = (tpl: string, ctx: object) => env.renderString(tpl, ctx);
  const end = new Date('2027-03-31T19:00:00.000Z'); // "until 31 March" entered in Asia/Yekaterinburg

  it('read the locale and the zone from the render context', () => {
    const site = { locale: 'en', timeZone: 'Asia/Yekaterinburg', showZone: false };
    expect(render('{{ d | until }}|{{ d | date }}|{{ d | datetime }}', { ...site, d: end })).toBe('31 Mar 2027|1 Apr 2027|1 Apr 2027, 00:00');
    expect(render('{{ d | until }}', { ...site, locale: 'ru', d: end })).toBe('31 мар. 2027 г.');
    expect(render('{{ d | datetime }}', { ...site, showZone: true, d: end })).toBe('1 Apr 2027, 00:00 GMT+5');
    // a reader in New York: the same end is a time of their 31 March
    expect(render('{{ d | until }}', { locale: 'en', timeZone: 'America/New_York', showZone: true, d: end })).toBe('31 Mar 2027, 15:00 GMT-4');
  });

  it('give form fields back what was entered', () => {
    const ctx = { locale: 'en', timeZone: 'Asia/Yekaterinburg', d: end, at: new Date('2027-07-01T04:00:00Z') };
    expect(render('{{ d | untilInput }}|{{ d | dateInput }}|{{ at | datetimeInput }}|{{ none | untilInput }}', ctx)).toBe('2027-03-31|2027-04-01|2027-07-01T09:00|');
  });

  it('fall back to UTC, named, outside a request', () => {
    expect(render('{{ d | datetime }}', { d: end })).toBe('31 Mar 2027, 19:00 UTC');
  });
});
