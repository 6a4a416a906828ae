import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Browser, BrowserContext, BrowserContextOptions, chromium, Locator, Page } from 'playwright-core';
import { startTestApp, TestApp } from './test-app';

/**
 * Browser tests drive the real app (listening on loopback, on a database of its own) with the system's
 * Chromium through playwright-core. No browser is ever downloaded: CHROMIUM_PATH or Debian's /usr/bin/chromium.
 */

export const SCREENS_DIR = path.join(__dirname, '..', 'browser', '__screens__');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it; we release it for the app to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (!addr || typeof addr === 'string') return reject(new Error('no port assigned'));
      srv.close(() => resolve(addr.port));
    });
  });
}

export interface BrowserApp extends TestApp {
  /** e.g. http://127.0.0.1:41234 — also the app's APP_URL. */
  baseUrl: string;
}

/** The real app listening on a free loopback port, with a fresh database. Close it with `close()`. */
export async function startBrowserApp(opts: { env?: Record<string, string> } = {}): Promise<BrowserApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t = await startTestApp({ listen: true, env: { PORT: String(port), APP_URL: baseUrl, ...opts.env } });
  return Object.assign(t, { baseUrl });
}

/** Full-page PNG at test/browser/__screens__/<name>.png (git-ignored); returns the file path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENS_DIR, { recursive: true });
  const file = path.join(SCREENS_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface Problem {
  kind: 'console' | 'pageerror' | 'csp';
  url: string;
  text: string;
}

/**
 * Everything that went wrong in a context's pages: console errors, uncaught exceptions and CSP violations
 * (reported both by Chromium's console and by a `securitypolicyviolation` listener installed before any
 * page script). `allow()` excuses a message the test provokes on purpose, such as the console line Chromium
 * prints for a page answered with 401.
 */
export class ProblemLog {
  readonly problems: Problem[] = [];
  private allowed: RegExp[] = [];

  allow(re: RegExp): void {
    this.allowed.push(re);
  }

  /** Forgets excuses (call after the step that needed them). */
  resetAllowed(): void {
    this.allowed = [];
  }

  add(p: Problem): void {
    if (p.kind !== 'csp' && this.allowed.some((re) => re.test(p.text))) return;
    this.problems.push(p);
  }

  /** Takes the problems seen so far (for asserting after each page). */
  take(): Problem[] {
    return this.problems.splice(0);
  }
}

export interface Session {
  context: BrowserContext;
  page: Page;
  log: ProblemLog;
}

/**
 * A new browser context (its own cookies) against the app with one page open. `locale` sets both
 * navigator.language and the Accept-Language header.
 */
export async function openSession(browser: Browser, app: BrowserApp, opts: BrowserContextOptions = {}): Promise<Session> {
  const context = await browser.newContext({ baseURL: app.baseUrl, ...opts });
  const log = new ProblemLog();
  await context.exposeBinding('__kbCspViolation', ({ page }, text: string) => log.add({ kind: 'csp', url: page.url(), text }));
  // Runs in the page before its own scripts (test tsconfig has no DOM types, hence the plain source).
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      window.__kbCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' (' + e.sourceFile + ':' + e.lineNumber + ')'));`,
  });
  const watch = (page: Page) => {
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      log.add({ kind: /Content Security Policy/i.test(text) ? 'csp' : 'console', url: page.url(), text });
    });
    page.on('pageerror', (err) => log.add({ kind: 'pageerror', url: page.url(), text: String(err) }));
  };
  context.on('page', watch);
  const page = await context.newPage();
  return { context, page, log };
}

/** Clicks something that submits a form or follows a link, and waits for the next page to load. */
export async function clickAndWait(page: Page, target: Locator): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await target.click();
  await navigated;
  await page.waitForLoadState('load');
}

/** The page's own text as a person reads it (no hidden inputs, no markup). */
export async function visibleText(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

/** Page width beyond the viewport, in CSS pixels (0 = no horizontal scroll). */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; viewport: number }> {
  return page.evaluate('({ scrollWidth: document.scrollingElement.scrollWidth, viewport: window.innerWidth })');
}
