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
  kind: 'console' | 'pageerror' | 'csp' | 'axe';
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

  /** Accessibility checks still running on pages that loaded (await before the last take()). */
  readonly pending = new Set<Promise<void>>();

  async settle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** Impacts that fail a test; "minor" and "moderate" findings are left for review. */
const AXE_FAILING = ['serious', 'critical'];

interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (WCAG 2 A/AA rules) on the page as it is now. The script is evaluated through the DevTools
 * protocol, which the page's CSP (script-src 'self') does not govern, so the policy under test stays on.
 * Returns the serious and critical violations, one line each with the elements concerned.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  const hasAxe = await page.evaluate('typeof window.axe === "object"');
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const found = (await page.evaluate(
    `window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] })
       .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) })))`,
  )) as AxeFinding[];
  return found
    .filter((v) => v.impact && AXE_FAILING.includes(v.impact))
    .map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}${v.nodes[0]?.failureSummary ? ` (${v.nodes[0].failureSummary.replace(/\s+/g, ' ')})` : ''}`);
}

/** Checks the page that just loaded; a page that navigates away before the check ends is checked on its successor. */
function auditOnLoad(page: Page, log: ProblemLog, origin: string): void {
  const run: Promise<void> = (async () => {
    const url = page.url();
    if (!url.startsWith(origin)) return; // our pages only, not a test's stand-in for another site
    try {
      for (const text of await axeViolations(page)) log.add({ kind: 'axe', url, text });
    } catch (e) {
      // the page went on (a redirect, a click) while axe ran: its successor gets its own check
      if (!/Execution context was destroyed|Cannot find context|frame was detached|Target (page, context or browser )?(has been )?closed|navigation/i.test(String(e))) throw e;
    }
  })().finally(() => log.pending.delete(run));
  log.pending.add(run);
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
  logs.set(context, log);
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
    // (a context without JavaScript gets no check: axe itself is JavaScript; the same pages are checked with it)
    if (opts.javaScriptEnabled !== false) page.on('load', () => auditOnLoad(page, log, new URL(app.baseUrl).origin));
    // page.goto() returns once the page and its accessibility check are done, like clickAndWait().
    const goto = page.goto.bind(page);
    page.goto = async (...args: Parameters<Page['goto']>) => {
      const res = await goto(...args);
      await log.settle();
      return res;
    };
  };
  context.on('page', watch);
  const page = await context.newPage();
  // Every test's last take() should include the checks of the pages it saw last: settle before closing.
  const close = context.close.bind(context);
  context.close = async (...args: Parameters<BrowserContext['close']>) => {
    await log.settle().catch(() => undefined);
    return close(...args);
  };
  return { context, page, log };
}

/** Clicks something that submits a form or follows a link, and waits for the next page to load. */
export async function clickAndWait(page: Page, target: Locator): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
  await target.click();
  await navigated;
  await page.waitForLoadState('load');
  await settleChecks(page);
}

const logs = new WeakMap<BrowserContext, ProblemLog>();
/** Waits for the accessibility checks of the pages this page's context loaded. */
export async function settleChecks(page: Page): Promise<void> {
  await logs.get(page.context())?.settle();
}

/** The page's own text as a person reads it (no hidden inputs, no markup). */
export async function visibleText(page: Page): Promise<string> {
  return page.locator('body').innerText();
}

/** Page width beyond the viewport, in CSS pixels (0 = no horizontal scroll). */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; viewport: number }> {
  return page.evaluate('({ scrollWidth: document.scrollingElement.scrollWidth, viewport: window.innerWidth })');
}

/**
 * For afterEach: closes the sessions a test opened (emptying the list) once their pages have settled, and fails
 * the test on anything they logged (console errors, CSP violations, failed requests, axe findings).
 */
export async function closeSessions(sessions: Session[]): Promise<void> {
  const open = sessions.splice(0);
  await Promise.all(open.map((s) => s.log.settle()));
  const problems = open.flatMap((s) => s.log.take());
  await Promise.all(open.map((s) => s.context.close()));
  expect(problems).toEqual([]);
}
