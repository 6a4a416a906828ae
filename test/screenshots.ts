/**
 * `npm run screenshots`: full-page PNGs of every GET page, in English and Russian, at 1280 and 390 px wide, for a
 * person to review. Starts the real app on a throwaway SQLite database seeded with test/utils/showcase.ts and
 * drives Debian's Chromium through playwright-core. Writes screenshots/<lang>-<width>/<page>.png (git-ignored)
 * and prints, per page, its status and whether it scrolls sideways.
 *   npm run screenshots [-- <page-name-substring> ...]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { horizontalOverflow, launchBrowser, startBrowserApp } from './utils/browser';
import { seedShowcase, SHOWCASE_WEBHOOK_SECRET, showcasePages, ShowcasePage } from './utils/showcase';

process.env.TZ = 'UTC';
const OUT = process.env.SCREENSHOTS_DIR ?? path.join(__dirname, '..', 'screenshots');
const LANGS = ['en', 'ru'] as const;
const WIDTHS = [1280, 390] as const;

async function loggedIn(browser: Browser, baseURL: string, lang: string, width: number, who?: { email: string; password: string }): Promise<BrowserContext> {
  const context = await browser.newContext({
    baseURL,
    locale: lang === 'ru' ? 'ru-RU' : 'en-US',
    viewport: { width, height: 900 },
    deviceScaleFactor: 1,
    isMobile: width < 500,
    hasTouch: width < 500,
  });
  // Embedded players live on the public internet, which this machine may not reach.
  await context.route(/youtube-nocookie\.com|player\.vimeo\.com/, (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<body style="margin:0;background:#111"></body>' }));
  if (who) {
    const page = await context.newPage();
    await page.goto('/login');
    await page.fill('#f-email', who.email);
    await page.fill('#f-password', who.password);
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('main form button[type="submit"]')]);
    await page.close();
  }
  return context;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const app = await startBrowserApp({ env: { WEBHOOK_SECRET: SHOWCASE_WEBHOOK_SECRET } });
  const browser = await launchBrowser();
  let failed = 0;
  try {
    const showcase = await seedShowcase(app);
    const pages = showcasePages(showcase).filter((p) => !only.length || only.some((o) => p.name.includes(o)));
    for (const lang of LANGS) {
      for (const width of WIDTHS) {
        const dir = path.join(OUT, `${lang}-${width}`);
        fs.mkdirSync(dir, { recursive: true });
        const contexts: Record<ShowcasePage['as'], BrowserContext> = {
          guest: await loggedIn(browser, app.baseUrl, lang, width),
          client: await loggedIn(browser, app.baseUrl, lang, width, showcase.client),
          owner: await loggedIn(browser, app.baseUrl, lang, width, showcase.owner),
        };
        for (const p of pages) {
          const page = await contexts[p.as].newPage();
          const res = await page.goto(p.path);
          await page.waitForLoadState('load');
          const status = res?.status() ?? 0;
          const { scrollWidth } = await horizontalOverflow(page);
          const file = path.join(dir, `${p.name}.png`);
          await page.screenshot({ path: file, fullPage: true });
          const bad = status !== (p.status ?? 200) || scrollWidth > width;
          if (bad) failed++;
          console.log(`${bad ? '!!' : 'ok'} ${lang} ${width} ${String(status).padEnd(3)} ${scrollWidth > width ? `scrolls ${scrollWidth}px ` : ''}${p.path} -> ${path.relative(process.cwd(), file)}`);
          await page.close();
        }
        await Promise.all(Object.values(contexts).map((c) => c.close()));
      }
    }
  } finally {
    await browser.close();
    await app.close();
  }
  console.log(`\n${failed ? `${failed} page(s) with an unexpected status or sideways scroll` : 'every page answered as expected and fits its width'}; PNGs in ${OUT}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
