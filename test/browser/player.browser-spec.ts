import type { Browser } from 'playwright-core';
import { createLesson, createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { BrowserApp, clickAndWait, closeSessions, horizontalOverflow, launchBrowser, openSession, screenshot, Session, startBrowserApp, visibleText } from '../utils/browser';

let browser: Browser;
let app: BrowserApp;
const sessions: Session[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startBrowserApp();
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
});
afterEach(() => closeSessions(sessions));

describe('the lesson player (browser)', () => {
  it('a client opens a lesson, marks it complete, and sees it in the sidebar and as "1 of N" on /account; no sideways scroll at 390 px', async () => {
    const client = await createUser(app, { name: 'Vera', locale: 'en' });
    const p = await createProduct(app, { title: 'Ink drawing' });
    const first = await createLesson(app, p.id, {
      title: 'Pens and paper',
      position: 1,
      bodyMd: 'Use a **fine** pen.\n\n<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/abc123" title="video"></iframe>',
    });
    await createLesson(app, p.id, { title: 'Hatching', position: 2 });
    await createLesson(app, p.id, { title: 'Shadows', position: 3, dripDays: 5 });
    await grantAccess(app, client.id, p.id);

    const s = await openSession(browser, app, { locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    sessions.push(s);
    await s.context.route(/youtube-nocookie\.com/, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>player</p>' }));
    const { page } = s;
    await page.goto('/login');
    await page.fill('#f-email', client.email);
    await page.fill('#f-password', client.password);
    await clickAndWait(page, page.locator('main form button[type="submit"]'));
    expect(await visibleText(page)).toContain('0 of 3 lessons done');

    // "Start the course" goes to the first lesson
    await clickAndWait(page, page.getByRole('link', { name: /^Start the course/ }));
    expect(new URL(page.url()).pathname).toBe(`/account/lessons/${first.id}`);
    expect((await page.locator('main h1').innerText()).trim()).toBe('Pens and paper');
    const current = page.locator('.player-outline a[aria-current="page"]');
    expect(await current.count()).toBe(1);
    expect(await current.innerText()).toContain('Pens and paper');
    expect(await page.locator('.player-outline [data-state="locked"]').innerText()).toMatch(/Shadows[\s\S]*Opens /);
    let { scrollWidth, viewport } = await horizontalOverflow(page);
    expect(scrollWidth).toBeLessThanOrEqual(viewport);

    await clickAndWait(page, page.getByRole('button', { name: 'Mark as complete' }));
    expect(new URL(page.url()).pathname).toBe(`/account/lessons/${first.id}`);
    expect(await page.locator(`[data-test="outline-${first.id}"]`).getAttribute('data-state')).toBe('done');
    expect(await page.locator('.player-outline').innerText()).toContain('1 of 3 lessons done');
    expect(await page.locator('[data-test="completed"]').innerText()).toContain('You completed this lesson on');
    ({ scrollWidth, viewport } = await horizontalOverflow(page));
    expect(scrollWidth).toBeLessThanOrEqual(viewport);
    await screenshot(page, 'player-390');

    await page.goto('/account');
    expect(await page.locator(`[data-test="product-${p.slug}"] [data-test="progress"]`).innerText()).toBe('1 of 3 lessons done');
    expect(await page.locator(`[data-test="product-${p.slug}"] progress`).getAttribute('aria-label')).toBe('Progress in Ink drawing');
    // "Continue" now goes to the lesson after, which the sidebar shows as not done yet
    await clickAndWait(page, page.getByRole('link', { name: /^Continue/ }));
    expect((await page.locator('main h1').innerText()).trim()).toBe('Hatching');
    expect(await page.locator(`[data-test="outline-${first.id}"]`).getAttribute('data-state')).toBe('done');

    // the locked lesson opens as a page that says when, with the contents beside it
    await clickAndWait(page, page.locator('[data-test="next-locked"]'));
    expect(await page.locator('[data-test="locked-notice"]').innerText()).toMatch(/This lesson opens /);
    expect(await page.getByRole('button', { name: 'Mark as complete' }).count()).toBe(0);
    ({ scrollWidth, viewport } = await horizontalOverflow(page));
    expect(scrollWidth).toBeLessThanOrEqual(viewport);
  });
});
