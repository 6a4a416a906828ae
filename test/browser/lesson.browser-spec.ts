import type { Browser } from 'playwright-core';
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createFile, createLesson, createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { BrowserApp, clickAndWait, launchBrowser, openSession, screenshot, startBrowserApp, visibleText } from '../utils/browser';

let browser: Browser;
let app: BrowserApp;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startBrowserApp();
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
});

describe('a client in the members area (browser)', () => {
  it('logs in, opens a product and a lesson with a video, and downloads a file with the exact bytes', async () => {
    const client = await createUser(app, { name: 'Ira', locale: 'en' });
    const p = await createProduct(app, { title: 'Watercolour basics' });
    const lesson = await createLesson(app, p.id, {
      title: 'Brushes and paper',
      position: 1,
      bodyMd: 'Start with **round** brushes.\n\n<iframe src="https://www.youtube-nocookie.com/embed/abc123" title="video"></iframe>',
    });
    await createLesson(app, p.id, { title: 'Glazing', position: 2, dripDays: 7 });
    const bytes = randomBytes(50_000);
    await createFile(app, lesson, { name: 'Палитра.pdf', bytes, contentType: 'application/pdf' });
    await grantAccess(app, client.id, p.id);

    const s = await openSession(browser, app, { locale: 'en-US', acceptDownloads: true });
    // The embedded player itself is on the public internet, which the test machine cannot reach.
    await s.context.route(/youtube-nocookie\.com/, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>player</p>' }));
    const { page } = s;
    await page.goto('/login');
    await page.fill('#f-email', client.email);
    await page.fill('#f-password', client.password);
    await clickAndWait(page, page.locator('main form button[type="submit"]'));
    expect(new URL(page.url()).pathname).toBe('/account');
    expect(await visibleText(page)).toContain('0 of 2 lessons done');

    await clickAndWait(page, page.getByRole('link', { name: 'Watercolour basics', exact: true }));
    expect((await page.locator('main h1').innerText()).trim()).toBe('Watercolour basics');
    expect(await page.locator('main').innerText()).toMatch(/Glazing[\s\S]*?Opens /);

    await clickAndWait(page, page.getByRole('link', { name: /^Brushes and paper/ }));
    expect((await page.locator('main h1').innerText()).trim()).toBe('Brushes and paper');
    expect(await page.locator('article.lesson-body strong').innerText()).toBe('round');
    expect(await page.locator('article.lesson-body iframe').count()).toBe(1);
    await screenshot(page, 'lesson');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Палитра.pdf' }).click()]);
    expect(download.suggestedFilename()).toBe('Палитра.pdf');
    const file = await download.path();
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);

    const [direct] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'direct link' }).click()]);
    expect(fs.readFileSync(await direct.path()).equals(bytes)).toBe(true);

    await s.log.settle();
    expect(s.log.take()).toEqual([]);
    await s.context.close();
  });

  it('staff build a product in the admin pages: product, section, lesson with drip, file upload through the form', async () => {
    const admin = await createUser(app, { role: 'admin', locale: 'en' });
    const s = await openSession(browser, app, { locale: 'en-US' });
    const { page } = s;
    await page.goto('/login');
    await page.fill('#f-email', admin.email);
    await page.fill('#f-password', admin.password);
    await clickAndWait(page, page.locator('main form button[type="submit"]'));

    await page.goto('/admin/products');
    await page.fill('#f-slug', 'ink-drawing');
    await page.fill('#f-title', 'Ink drawing');
    await page.selectOption('#f-status', 'published');
    await clickAndWait(page, page.locator('main form button[type="submit"]'));
    expect((await page.locator('main h1').innerText()).trim()).toBe('Ink drawing');

    await page.fill('input[name="title"] >> nth=-1', 'Basics');
    await clickAndWait(page, page.getByRole('button', { name: 'Add' }));
    await clickAndWait(page, page.getByRole('link', { name: 'New lesson' }));
    await page.fill('#f-title', 'Pens');
    await page.selectOption('#f-sectionId', { label: 'Basics' });
    await page.fill('#f-bodyMd', 'Use a **fine** pen.');
    await page.check('input[name="dripMode"][value="days"]');
    await page.fill('input[name="dripDays"]', '3');
    await clickAndWait(page, page.locator('main form button[type="submit"]').first());
    expect((await page.locator('main h1').innerText()).trim()).toBe('Pens');
    expect(await page.locator('input[name="dripDays"]').inputValue()).toBe('3');

    const tmp = `${app.testDb.dir}/upload-test.pdf`;
    const bytes = Buffer.concat([Buffer.from('%PDF-1.5\n'), randomBytes(5000)]);
    fs.writeFileSync(tmp, bytes);
    await page.setInputFiles('#f-file', tmp);
    await clickAndWait(page, page.getByRole('button', { name: 'Upload' }));
    expect(await page.locator('ul.files').innerText()).toMatch(/upload-test\.pdf\s+4\.9\sKB · application\/pdf/);
    await screenshot(page, 'admin-lesson');
    await s.log.settle();
    expect(s.log.take()).toEqual([]);
    await s.context.close();
  });
});
