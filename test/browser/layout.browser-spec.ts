import type { Browser, BrowserContextOptions } from 'playwright-core';
import { BrowserApp, clickAndWait, closeSessions, horizontalOverflow, launchBrowser, openSession, Session, startBrowserApp } from '../utils/browser';
import { seedShowcase, Showcase, SHOWCASE_WEBHOOK_SECRET, showcasePages, ShowcasePage } from '../utils/showcase';

/**
 * The design system on real pages: every GET page of a seeded school (test/utils/showcase.ts) fits a 390 px
 * phone without sideways scroll and passes axe-core (run by openSession on every page load), the menu opens
 * without JavaScript, and a delete asks in a dialog with JavaScript and on its own page without.
 */
let browser: Browser;
let app: BrowserApp;
let showcase: Showcase;
const sessions: Session[] = [];

const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };

beforeAll(async () => {
  browser = await launchBrowser();
  app = await startBrowserApp({ env: { WEBHOOK_SECRET: SHOWCASE_WEBHOOK_SECRET } });
  showcase = await seedShowcase(app);
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
});
afterEach(() => closeSessions(sessions));

async function session(as: ShowcasePage['as'], opts: BrowserContextOptions): Promise<Session> {
  const s = await openSession(browser, app, opts);
  sessions.push(s);
  // Embedded players live on the public internet, which the test machine cannot reach.
  await s.context.route(/youtube-nocookie\.com/, (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<p>player</p>' }));
  const who = as === 'client' ? showcase.client : as === 'owner' ? showcase.owner : null;
  if (who) {
    await s.page.goto('/login');
    await s.page.fill('#f-email', who.email);
    await s.page.fill('#f-password', who.password);
    await clickAndWait(s.page, s.page.locator('main form button[type="submit"]'));
  }
  return s;
}

describe.each([
  ['ru', 'ru-RU', 'at 390 px', PHONE],
  ['en', 'en-US', 'at 1280 px', DESKTOP],
] as const)('every page (%s) %s', (_lang, locale, _w, viewport) => {
  it.each(['guest', 'client', 'owner'] as const)('as %s: answers as expected, passes axe, no sideways scroll', async (as) => {
    const s = await session(as, { locale, ...viewport });
    s.log.allow(/status of 404/); // the not-found page, on purpose
    const wide: string[] = [];
    const statuses: string[] = [];
    for (const p of showcasePages(showcase).filter((x) => x.as === as && !x.knownIssue)) {
      const res = await s.page.goto(p.path);
      // (#menu on the page just shown is a same-document navigation, without a response)
      if (!p.path.includes('#') && res?.status() !== (p.status ?? 200)) statuses.push(`${p.path}: ${res?.status()}`);
      const { scrollWidth, viewport: vw } = await horizontalOverflow(s.page);
      if (scrollWidth > vw) wide.push(`${p.path}: ${scrollWidth} > ${vw}`);
    }
    expect(statuses).toEqual([]);
    expect(wide).toEqual([]);
    // (dozens of pages, each checked by axe: more than the default minute on a busy machine)
  }, 240_000);
});

describe('on a phone', () => {
  it('the menu button opens the navigation without JavaScript', async () => {
    const s = await session('owner', { ...PHONE, locale: 'en-US', javaScriptEnabled: false });
    await s.page.goto('/admin');
    const clients = s.page.locator('header nav a[href="/admin/clients"]');
    expect(await clients.isVisible()).toBe(false);
    await s.page.locator('header .menu-button').click();
    expect(await clients.isVisible()).toBe(true);
    await clickAndWait(s.page, clients);
    expect(new URL(s.page.url()).pathname).toBe('/admin/clients');
    expect(await s.page.locator('header nav a[href="/admin/clients"]').isVisible()).toBe(false);
  });

  it('a lesson with a 560 px embed fits: the video is 16:9 at the width of the text', async () => {
    const s = await session('client', { ...PHONE, locale: 'en-US' });
    await s.page.goto(`/account/lessons/${showcase.lessonId}`);
    const box = await s.page.locator('article.lesson-body iframe').boundingBox();
    expect(box!.width).toBeLessThan(390);
    expect(Math.abs(box!.width / box!.height - 16 / 9)).toBeLessThan(0.02);
  });
});

describe('deleting asks first', () => {
  it('with JavaScript in a dialog (cancel closes it, nothing is deleted); without, on the confirmation page', async () => {
    const s = await session('owner', { ...DESKTOP, locale: 'en-US' });
    await s.page.goto(`/admin/products/${showcase.productId}`);
    await s.page.locator(`[data-test="delete-section-${showcase.sectionId}"]`).click();
    const dialog = s.page.locator('dialog.dialog[open]');
    await dialog.waitFor();
    expect(await dialog.locator('[data-test="delete-consequence"]').innerText()).toMatch(/Getting started|lessons/);
    expect(new URL(s.page.url()).pathname).toBe(`/admin/products/${showcase.productId}`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await s.page.locator('dialog.dialog').waitFor({ state: 'detached' });

    const plain = await session('owner', { ...DESKTOP, locale: 'en-US', javaScriptEnabled: false });
    await plain.page.goto(`/admin/products/${showcase.productId}`);
    await clickAndWait(plain.page, plain.page.locator(`[data-test="delete-section-${showcase.sectionId}"]`));
    expect(new URL(plain.page.url()).pathname).toBe(`/admin/products/${showcase.productId}/sections/${showcase.sectionId}/delete`);
    expect(await plain.page.locator('[data-test="confirm-delete"] button[type="submit"]').isVisible()).toBe(true);
  });

  it('sending a campaign asks in the same dialog, with the audience count from the confirmation page', async () => {
    const s = await session('owner', { ...DESKTOP, locale: 'en-US' });
    await s.page.goto(`/admin/mailing/campaigns/${showcase.campaignId}`);
    await s.page.locator('[data-test="send-now"]').click();
    const dialog = s.page.locator('dialog.dialog[open]');
    await dialog.waitFor();
    expect(await dialog.locator('h1').count()).toBe(1);
    expect(await dialog.locator('[data-test="confirm-audience"]').innerText()).toContain('5');
    expect(await dialog.locator('[data-test="confirm-send"]').isVisible()).toBe(true);
    await s.page.keyboard.press('Escape');
    await s.page.locator('dialog.dialog').waitFor({ state: 'detached' });
    expect(new URL(s.page.url()).pathname).toBe(`/admin/mailing/campaigns/${showcase.campaignId}`);
  });
});
