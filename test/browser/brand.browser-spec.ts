import type { Browser, BrowserContextOptions } from 'playwright-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import type { FormParts } from '../../src/common/form-upload';
import { LogoService } from '../../src/settings/brand/logo.service';
import { SettingsService } from '../../src/settings/settings.service';
import { createUser } from '../factories/users';
import { BrowserApp, clickAndWait, closeSessions, horizontalOverflow, launchBrowser, openSession, screenshot, Session, startBrowserApp, visibleText } from '../utils/browser';
import { badgeLogo } from '../utils/png';

/** The width of an image the browser has loaded and decoded (0 when it could not). */
const loadedWidth = (img: unknown) => {
  const i = img as { complete: boolean; naturalWidth: number };
  return i.complete ? i.naturalWidth : 0;
};

const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };

/** The settings page's brand: a logo uploaded in a real browser shows in the header, the accent colours the page, CSP stays strict. */
describe('branding in the browser', () => {
  let browser: Browser;
  let app: BrowserApp;
  let owner: { email: string; password: string };
  const sessions: Session[] = [];
  const logoFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kb-logo-')), 'logo.png');

  beforeAll(async () => {
    [browser, app] = await Promise.all([launchBrowser(), startBrowserApp()]);
    owner = await createUser(app, { role: 'owner', locale: 'en' });
    fs.writeFileSync(logoFile, badgeLogo());
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  afterEach(() => closeSessions(sessions));

  async function loggedIn(opts: BrowserContextOptions): Promise<Session> {
    const s = await openSession(browser, app, { locale: 'en-US', ...opts });
    sessions.push(s);
    await s.page.goto('/login');
    await s.page.fill('#f-email', owner.email);
    await s.page.fill('#f-password', owner.password);
    await clickAndWait(s.page, s.page.locator('main form button[type="submit"]'));
    return s;
  }

  it('uploads a logo on the settings page; the header shows it instead of the letter mark, in the accent colour, without CSP violations', async () => {
    await app.app.get(SettingsService).update({ userId: null, label: 'test', ip: '' }, { schoolName: 'Tango School', accentColour: '#0f5132' });
    const { page, log } = await loggedIn(DESKTOP);
    await page.goto('/admin/settings');
    expect(await page.locator('header .brand-name').innerText()).toBe('Tango School');
    expect(await page.title()).toBe('Settings · Tango School');
    expect(await page.locator('header .brand-mark').isVisible()).toBe(true);
    // the accent reaches the page through /brand.css
    const primary = page.locator('main button.primary').first();
    expect(await primary.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor)).toBe('rgb(15, 81, 50)');
    await screenshot(page, 'brand-settings-no-logo-1280');

    await page.setInputFiles('#f-logo', logoFile);
    await clickAndWait(page, page.locator('button[data-test="logo-upload"]'));
    expect(new URL(page.url()).pathname).toBe('/admin/settings');
    const logo = page.locator('header img.brand-logo');
    expect(await logo.evaluate(loadedWidth)).toBe(96);
    expect(await page.locator('header .brand-mark').count()).toBe(0);
    expect(await page.locator('[data-test="logo-preview"] img').getAttribute('alt')).toBe('Current logo of Tango School');
    await screenshot(page, 'brand-settings-logo-1280');

    // a file that is not an image is refused on the page, which keeps the saved settings
    const fake = path.join(path.dirname(logoFile), 'fake.png');
    fs.writeFileSync(fake, 'not really a png');
    await page.setInputFiles('#f-logo', fake);
    log.allow(/status of 400/); // the refused upload, on purpose
    await clickAndWait(page, page.locator('button[data-test="logo-upload"]'));
    expect(await page.locator('[data-test="logo-error"]').innerText()).toContain('This file is not a PNG, JPEG, WebP or GIF image');
    expect(await page.locator('#f-schoolName').inputValue()).toBe('Tango School');
    await screenshot(page, 'brand-settings-logo-refused-1280');
  });

  it('shows the logo on the login page and fits a 390 px phone, in both languages', async () => {
    // a logo of its own, uploaded the way the form does (its parts as the multipart reader hands them out)
    const bytes = badgeLogo();
    const form: FormParts = {
      declaredBytes: null,
      async *[Symbol.asyncIterator]() {
        yield { kind: 'file' as const, name: 'logo', filename: 'logo.png', stream: Readable.from([bytes]) };
      },
    };
    await app.app.get(LogoService).upload({ userId: null, label: 'test', ip: '' }, form);
    for (const locale of ['en-US', 'ru-RU']) {
      const anon = await openSession(browser, app, { locale, ...PHONE });
      sessions.push(anon);
      await anon.page.goto('/login');
      expect(await anon.page.locator('header img.brand-logo').evaluate(loadedWidth)).toBe(96);
      const o = await horizontalOverflow(anon.page);
      expect(o.scrollWidth).toBeLessThanOrEqual(o.viewport);
      await screenshot(anon.page, `brand-login-logo-390-${locale}`);
    }
    const s = await loggedIn(PHONE);
    await s.page.goto('/admin/settings');
    const o = await horizontalOverflow(s.page);
    expect(o.scrollWidth).toBeLessThanOrEqual(o.viewport);
    expect(await visibleText(s.page)).toContain('Remove logo');
    await screenshot(s.page, 'brand-settings-logo-390');

    // removing it brings the letter mark back
    await clickAndWait(s.page, s.page.locator('button[data-test="logo-remove"]'));
    expect(await s.page.locator('header .brand-mark').innerText()).toBe('T');
    expect(await s.page.locator('header img').count()).toBe(0);
  });
});
