import * as fs from 'node:fs';
import { launchBrowser, startBrowserApp } from './utils/browser';
import { lastMailTo } from './utils/outbox';
import { seedShowcase, SHOWCASE_WEBHOOK_SECRET } from './utils/showcase';

process.env.TZ = 'UTC';
async function main() {
  const app = await startBrowserApp({ env: { WEBHOOK_SECRET: SHOWCASE_WEBHOOK_SECRET } });
  const browser = await launchBrowser();
  const s = await seedShowcase(app);
  const csv = ['email,name,product,expires', 'anna@example.com,Anna,watercolour,', 'boris@example.com,Boris,,', 'bad-email,Bad,watercolour,', 'irina.petrova@example.com,Irina,sketching,2027-01-31', 'x@example.com,X,nope,'].join('\n');
  fs.writeFileSync('/tmp/cshots/in.csv', csv);
  for (const lang of ['en', 'ru']) for (const width of [1280, 390]) {
    const ctx = await browser.newContext({ baseURL: app.baseUrl, locale: lang === 'ru' ? 'ru-RU' : 'en-US', viewport: { width, height: 900 }, isMobile: width < 500 });
    const page = await ctx.newPage();
    await page.goto('/login');
    await page.fill('#f-email', s.owner.email);
    await page.fill('#f-password', s.owner.password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('main form button[type="submit"]')]);
    await page.goto('/admin/clients/import');
    await page.setInputFiles('#f-file', '/tmp/cshots/in.csv');
    await Promise.all([page.waitForNavigation(), page.click('main form[enctype] button[type="submit"]')]);
    await page.screenshot({ path: `/tmp/cshots/import-dry-${lang}-${width}.png`, fullPage: true });
    if (lang === 'en' && width === 1280) {
      await Promise.all([page.waitForNavigation(), page.click('[data-test="import-staged"] button[type="submit"]')]);
      await page.screenshot({ path: `/tmp/cshots/import-done-${lang}-${width}.png`, fullPage: true });
      await Promise.all([page.waitForNavigation(), page.click('[data-test="import-staged"] button[type="submit"]').catch(() => page.goto('/admin/clients/import'))]).catch(() => undefined);
      const m = await lastMailTo(app, 'boris@example.com');
      console.log(m.subject + '\n' + m.text);
      const m2 = await lastMailTo(app, 'anna@example.com');
      console.log(m2.subject + '\n' + m2.text);
      fs.writeFileSync('/tmp/cshots/mail.html', m2.html);
    }
    if (width === 390) {
      await page.goto(`/admin/clients/${s.clientId}`);
      await page.click('[data-test="grant-row"] details.row-menu > summary');
      await page.screenshot({ path: `/tmp/cshots/client-menu-${lang}-${width}.png`, fullPage: true });
    }
    await ctx.close();
  }
  await browser.close();
  await app.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
