import type { Browser, Page } from 'playwright-core';
import en from '../../views/i18n/en/core.json';
import { createUser, DEFAULT_PASSWORD } from '../factories/users';
import { BrowserApp, clickAndWait, closeSessions, horizontalOverflow, launchBrowser, openSession, screenshot, Session, settleChecks, startBrowserApp, visibleText } from '../utils/browser';

type Lang = 'en' | 'ru';

/** What a person sees, spelled out per language (not read from the dictionaries, so a lost translation fails). */
const T = {
  en: {
    browserLocale: 'en-US',
    setup: 'Set up kabinet',
    login: 'Log in',
    dashboard: 'Dashboard',
    welcome: 'kabinet is set up and you are logged in as its owner.',
    loggedOut: 'You have logged out.',
    setupDone: 'kabinet is already set up. Log in with your account.',
    outbox: 'Outbox',
    audit: 'Audit log',
    account: 'My products',
    hello: (name: string) => `Welcome, ${name}!`,
    security: 'Password and sessions',
    securityNav: 'Password & sessions',
    ordersNav: 'My orders',
    ticketsNav: 'Tickets',
    redeemNav: 'Redeem a key',
    mailingNav: 'Mailing',
    wrongCredentials: 'Wrong email or password.',
    loggedOutEverywhere: 'You have been logged out on every device.',
    switchTo: 'Русский',
  },
  ru: {
    browserLocale: 'ru-RU',
    setup: 'Настройка kabinet',
    login: 'Вход',
    dashboard: 'Обзор',
    welcome: 'kabinet настроен, вы вошли как владелец.',
    loggedOut: 'Вы вышли из кабинета.',
    setupDone: 'kabinet уже настроен. Войдите в свою учётную запись.',
    outbox: 'Исходящая почта',
    audit: 'Журнал действий',
    account: 'Мои продукты',
    hello: (name: string) => `Здравствуйте, ${name}!`,
    security: 'Пароль и сеансы',
    securityNav: 'Пароль и сеансы',
    ordersNav: 'Мои заказы',
    ticketsNav: 'Обращения',
    redeemNav: 'Активировать ключ',
    mailingNav: 'Рассылки',
    wrongCredentials: 'Неверная почта или пароль.',
    loggedOutEverywhere: 'Вы вышли на всех устройствах.',
    switchTo: 'English',
  },
} as const;

const other = (lang: Lang): Lang => (lang === 'en' ? 'ru' : 'en');

/** Every dictionary key, e.g. "auth.login_title": one showing on a page means a translation went missing. */
function keysOf(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' && v ? keysOf(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}
const RAW_KEY = new RegExp(`(?<![\\w.])(?:${keysOf(en).filter((k) => k.includes('.')).map((k) => k.replace(/\./g, '\\.')).join('|')})(?![\\w.])`);

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(() => browser?.close());

describe.each<Lang>(['en', 'ru'])('portal in the browser (%s)', (lang) => {
  const L = T[lang];
  const owner = { email: `owner-${lang}@example.com`, name: lang === 'ru' ? 'Ольга' : 'Olga', password: DEFAULT_PASSWORD };
  let app: BrowserApp;
  const sessions: Session[] = [];

  beforeAll(async () => {
    app = await startBrowserApp();
  });
  afterAll(() => app?.close());

  /** A fresh browser context (no cookies) speaking `lang` unless told otherwise. */
  async function open(opts: Parameters<typeof openSession>[2] = {}): Promise<Session> {
    const s = await openSession(browser, app, { locale: L.browserLocale, ...opts });
    sessions.push(s);
    return s;
  }

  afterEach(() => closeSessions(sessions));

  /** Checks the page in front of us: language, heading, no raw keys, nothing logged in the console. */
  async function expectPage(s: Session, heading: string, pageLang: Lang = lang) {
    const { page } = s;
    expect(await page.locator('html').getAttribute('lang')).toBe(pageLang);
    expect((await page.locator('main h1').innerText()).trim()).toBe(heading);
    expect(await page.title()).toContain(heading);
    const text = await visibleText(page);
    expect(text).not.toMatch(RAW_KEY);
    expect(s.log.take()).toEqual([]);
  }

  async function login(page: Page, email: string, password: string) {
    if (!new URL(page.url(), app.baseUrl).pathname.startsWith('/login')) await page.goto('/login');
    await page.fill('#f-email', email);
    await page.fill('#f-password', password);
    await clickAndWait(page, page.locator('main form button[type="submit"]'));
  }

  const path = (page: Page) => {
    const u = new URL(page.url());
    return u.pathname + u.search;
  };

  it('first run: / leads to setup, the owner is created and lands on the dashboard, then logs out', async () => {
    const s = await open();
    const { page } = s;
    await page.goto('/');
    expect(path(page)).toBe('/setup');
    await expectPage(s, L.setup);
    // the language picker defaults to the browser's language
    expect(await page.locator('#f-locale').inputValue()).toBe(lang);

    await page.fill('#f-email', owner.email);
    await page.fill('#f-name', owner.name);
    await page.fill('#f-password', owner.password);
    await page.fill('#f-confirm', owner.password);
    await screenshot(page, `${lang}-setup`);
    await clickAndWait(page, page.locator('main form button[type="submit"]'));

    // the redirect's ?notice= is shown once: it leaves the address (views/assets/ui.js), so a reload does not repeat it
    expect(path(page)).toBe('/admin');
    await expectPage(s, L.dashboard);
    expect(await page.locator('main .notice[role="status"]').innerText()).toBe(L.welcome);
    await page.reload();
    await settleChecks(page);
    expect(await page.locator('main .flash').count()).toBe(0);
    expect(await page.locator('header .who').innerText()).toBe(owner.email);
    await screenshot(page, `${lang}-admin-dashboard`);

    await clickAndWait(page, page.locator('[data-test="logout"]'));
    expect(path(page)).toBe('/login');
    await expectPage(s, L.login);
    expect(await page.locator('main .notice[role="status"]').innerText()).toBe(L.loggedOut);
    expect(await page.locator('[data-test="logout"]').count()).toBe(0);
    // setup is done for good: an old link to it lands on the login page, saying so
    await page.goto('/setup');
    await settleChecks(page);
    expect(path(page)).toBe('/login');
    expect(await page.locator('main .notice[role="status"]').innerText()).toBe(L.setupDone);
  });

  it('the owner logs in and browses the dashboard, outbox and audit log', async () => {
    const s = await open();
    const { page } = s;
    await page.goto('/');
    expect(path(page)).toBe('/login');
    await expectPage(s, L.login);

    await login(page, owner.email, owner.password);
    expect(path(page)).toBe('/admin');
    await expectPage(s, L.dashboard);

    await clickAndWait(page, page.locator('header nav a[href="/admin/outbox"]'));
    expect(path(page)).toBe('/admin/outbox');
    await expectPage(s, L.outbox);
    await screenshot(page, `${lang}-admin-outbox`);

    await clickAndWait(page, page.locator('header nav a[href="/admin/audit"]'));
    expect(path(page)).toBe('/admin/audit');
    await expectPage(s, L.audit);
    // setup and the logins are on record, as sentences in the page's language naming the owner
    const sentences = page.locator('main [data-test="audit-sentence"]');
    expect(await sentences.count()).toBeGreaterThan(0);
    expect(await page.locator('main [data-action="auth.login"] [data-test="audit-sentence"]').first().textContent()).toMatch(lang === 'ru' ? /: вход в кабинет$/ : / logged in$/);
    await screenshot(page, `${lang}-admin-audit`);
  });

  it('a client logs in and sees their account', async () => {
    const client = await createUser(app, { role: 'client', name: lang === 'ru' ? 'Иван Петров' : 'Ivan Petrov' });
    const s = await open();
    const { page } = s;
    await page.goto('/account');
    expect(path(page)).toBe('/login?next=%2Faccount');
    await login(page, client.email, client.password);

    expect(path(page)).toBe('/account');
    await expectPage(s, L.account);
    expect(await page.locator('[data-test="welcome"]').innerText()).toBe(L.hello(client.name));
    expect(await page.locator('header nav a').allInnerTexts()).toEqual([L.account, L.ordersNav, L.ticketsNav, L.redeemNav, L.mailingNav, L.securityNav]);
    await screenshot(page, `${lang}-account`);
  });

  it('shows a wrong password as an error on the login form', async () => {
    const client = await createUser(app, { role: 'client' });
    const s = await open();
    const { page } = s;
    await page.goto('/login');
    await page.fill('#f-email', client.email);
    await page.fill('#f-password', 'not-the-password-1');
    // Chromium logs the 401 answer to the form post as a console error; that one is expected.
    s.log.allow(/status of 401/);
    const answer = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/login'));
    await clickAndWait(page, page.locator('main form button[type="submit"]'));
    expect((await answer).status()).toBe(401);
    s.log.resetAllowed();

    await expectPage(s, L.login);
    expect(await page.locator('main .alert[role="alert"]').innerText()).toBe(L.wrongCredentials);
    expect(await page.locator('#f-email').inputValue()).toBe(client.email);
    expect(await page.locator('#f-password').inputValue()).toBe('');
    await screenshot(page, `${lang}-login-error`);

    // and the right password still works afterwards
    await page.fill('#f-password', client.password);
    await clickAndWait(page, page.locator('main form button[type="submit"]'));
    expect(path(page)).toBe('/account');
  });

  it('"log out everywhere" ends this and every other session of the client', async () => {
    const client = await createUser(app, { role: 'client' });
    const phone = await open({ userAgent: 'KabinetTest Phone' });
    await login(phone.page, client.email, client.password);
    expect(path(phone.page)).toBe('/account');

    const s = await open();
    const { page } = s;
    await login(page, client.email, client.password);
    await clickAndWait(page, page.locator('header nav a[href="/account/security"]'));
    expect(path(page)).toBe('/account/security');
    await expectPage(s, L.security);
    expect(await page.locator('main table tbody tr').count()).toBe(2);
    await screenshot(page, `${lang}-account-security`);

    await clickAndWait(page, page.locator('[data-test="logout-everywhere"]'));
    expect(path(page)).toBe('/login');
    await expectPage(s, L.login);
    expect(await page.locator('main .notice[role="status"]').innerText()).toBe(L.loggedOutEverywhere);

    await page.goto('/account');
    expect(path(page)).toBe('/login?next=%2Faccount');
    await phone.page.goto('/account');
    expect(path(phone.page)).toBe('/login?next=%2Faccount');
  });

  it('switches language with the header button, logged out and logged in', async () => {
    const to = other(lang);
    const s = await open();
    const { page } = s;
    await page.goto('/login');
    const switchButton = page.locator('header form[action="/locale"] button');
    expect(await switchButton.innerText()).toBe(L.switchTo);
    expect(await switchButton.getAttribute('lang')).toBe(to);

    await clickAndWait(page, switchButton);
    expect(path(page)).toBe('/login');
    await expectPage(s, T[to].login, to);
    // remembered (cookie) although the browser still asks for the other language
    await page.reload();
    await expectPage(s, T[to].login, to);
    await screenshot(page, `${lang}-login-switched-to-${to}`);
    await clickAndWait(page, switchButton);
    await expectPage(s, L.login);

    // logged in: the choice is stored on the account and the page stays where it was
    const client = await createUser(app, { role: 'client' });
    await login(page, client.email, client.password);
    await expectPage(s, L.account);
    await clickAndWait(page, switchButton);
    expect(path(page)).toBe('/account');
    await expectPage(s, T[to].account, to);
    const elsewhere = await open(); // another browser speaking `lang`: the account's setting wins
    await login(elsewhere.page, client.email, client.password);
    await expectPage(elsewhere, T[to].account, to);
  });

  describe('on a phone (375×812)', () => {
    const phone = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

    async function expectNoHorizontalScroll(page: Page) {
      const { scrollWidth, viewport } = await horizontalOverflow(page);
      expect(viewport).toBe(375);
      expect(scrollWidth).toBeLessThanOrEqual(375);
    }

    it('the login page fits the screen', async () => {
      const s = await open(phone);
      await s.page.goto('/login');
      await expectPage(s, L.login);
      await screenshot(s.page, `${lang}-mobile-login`);
      await expectNoHorizontalScroll(s.page);
    });

    it('the account and the dashboard fit the screen', async () => {
      const client = await createUser(app, { role: 'client', email: `a.very.long.client.address.${lang}@example.com` });
      const c = await open(phone);
      await login(c.page, client.email, client.password);
      await expectPage(c, L.account);
      await screenshot(c.page, `${lang}-mobile-account`);
      await expectNoHorizontalScroll(c.page);

      const o = await open(phone);
      await login(o.page, owner.email, owner.password);
      await expectPage(o, L.dashboard);
      await screenshot(o.page, `${lang}-mobile-admin-dashboard`);
      await expectNoHorizontalScroll(o.page);
    });
  });
});
