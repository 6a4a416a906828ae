import type { Browser } from 'playwright-core';
import { ConsentEvent } from '../../src/mailing/subscribers/entities/consent-event.entity';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { MailingTokens } from '../../src/mailing/mailing-tokens';
import { createList, createSubscriber, subscriptionStatus } from '../factories/mailing';
import { BrowserApp, clickAndWait, closeSessions, launchBrowser, openSession, screenshot, Session, startBrowserApp, visibleText } from '../utils/browser';

/** The preferences page a marketing mail links to, used in a real browser with no login. */
describe('mailing preferences in the browser', () => {
  let browser: Browser;
  let app: BrowserApp;
  const sessions: Session[] = [];

  beforeAll(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startBrowserApp()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(() => closeSessions(sessions));

  const status = (subscriberId: number, listId: number) => subscriptionStatus(app, subscriberId, listId);

  it('unticks a list and switches to Russian, then unsubscribes from everything', async () => {
    const news = await createList(app, { name: 'News' });
    const offers = await createList(app, { name: 'Offers' });
    const s = await createSubscriber(app, { name: 'Ann', locale: 'en', lists: [news.id, offers.id] });
    const url = `/preferences/${app.app.get(MailingTokens).preferences(s.id)}`;

    const session = await openSession(browser, app, { locale: 'en-US' });
    sessions.push(session);
    const { page } = session;
    await page.goto(url);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('main h1').innerText()).toBe('Mailing preferences');
    expect(await visibleText(page)).toContain(`Preferences for ${s.email}`);
    const newsBox = page.locator(`[data-test="list-${news.id}"]`);
    const offersBox = page.locator(`[data-test="list-${offers.id}"]`);
    expect(await newsBox.isChecked()).toBe(true);
    expect(await offersBox.isChecked()).toBe(true);

    await offersBox.uncheck();
    await page.fill('#f-name', 'Anna');
    await page.selectOption('#f-locale', 'ru');
    await clickAndWait(page, page.locator('[data-test="save"]'));

    // (the redirect carried ?done=saved; ui.js takes it off the address once the notice is shown)
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(url);
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    expect(await page.locator('[data-test="done"]').innerText()).toBe('Настройки сохранены.');
    expect(await page.locator('main h1').innerText()).toBe('Настройки рассылок');
    expect(await newsBox.isChecked()).toBe(true);
    expect(await offersBox.isChecked()).toBe(false);
    expect(await page.locator('#f-locale').inputValue()).toBe('ru');
    await screenshot(page, 'mailing-preferences-saved-ru');

    await clickAndWait(page, page.locator('[data-test="unsubscribe-all"]'));
    expect(await page.locator('[data-test="done"]').innerText()).toContain('наши рассылки больше не будут приходить');
    expect(await page.locator('[data-test="state"]').innerText()).toContain('Вы отписаны от всех рассылок');
    expect(await newsBox.isChecked()).toBe(false);
    expect(await offersBox.isChecked()).toBe(false);
    await screenshot(page, 'mailing-preferences-all-off-ru');

    const row = await app.db.manager.findOneByOrFail(Subscriber, { id: s.id });
    expect(row).toMatchObject({ name: 'Anna', locale: 'ru', suppressedReason: 'unsubscribed' });
    expect([await status(s.id, news.id), await status(s.id, offers.id)]).toEqual(['unsubscribed', 'unsubscribed']);
    const ev = await app.db.manager.find(ConsentEvent, { where: { subscriberId: s.id, source: 'preferences' }, order: { id: 'ASC' } });
    expect(ev.map((e) => [e.action, e.listId])).toEqual([
      ['unsubscribed', offers.id],
      ['profile', null],
      ['unsubscribed', news.id],
      ['suppressed', null],
    ]);
    expect(ev.every((e) => e.ip === '127.0.0.1' || e.ip === '::ffff:127.0.0.1')).toBe(true);
  });

  it('the unsubscribe link’s confirmation page works without a login or cookie', async () => {
    const news = await createList(app, { name: 'Weekly' });
    const s = await createSubscriber(app, { locale: 'ru', lists: [news.id] });
    const token = app.app.get(MailingTokens).unsubscribe({ subscriberId: s.id, campaignId: 4, listId: news.id });
    const session = await openSession(browser, app, { locale: 'en-US', javaScriptEnabled: false });
    sessions.push(session);
    const { page } = session;
    await page.goto(`/u/${token}`);
    expect(await visibleText(page)).toContain(`Отписать ${s.email} от рассылки «Weekly»?`);
    expect(await status(s.id, news.id)).toBe('confirmed');
    await session.context.clearCookies();
    await clickAndWait(page, page.locator('[data-test="confirm"]'));
    expect(await page.locator('[data-test="result"]').innerText()).toContain('больше не будут приходить');
    expect(await status(s.id, news.id)).toBe('unsubscribed');
  });
});
