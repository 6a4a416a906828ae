import { createHmac, randomBytes } from 'node:crypto';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { RunCase } from '../../src/offboarding/usecases/run-case.usecase';
import { createProduct, grantAccess } from '../factories/members';
import { createTicket } from '../factories/tickets';
import { createUser } from '../factories/users';
import { BrowserApp, clickAndWait, closeSessions, horizontalOverflow, launchBrowser, openSession, screenshot, Session, startBrowserApp, visibleText } from '../utils/browser';

/**
 * The whole case as an owner lives it, in English and in Russian: from the client's page to "Offboard…", the
 * reason, the preview; a blaming sentence added to the notice is pointed at after "Check again" and the hint goes
 * once it is fixed; Start; the case page with its steps done (the manual refund waiting for the owner's
 * confirmation); the printable record. Every page is checked with axe (openSession); the preview is taken at
 * 1280 and 390 px (test/browser/__screens__) and must not scroll sideways.
 */
const SECRET = 'webhook-secret-0123456789';
const DAY = 86400_000;
let browser: Browser;
let app: BrowserApp;
const sessions: Session[] = [];
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 1 };

beforeAll(async () => {
  browser = await launchBrowser();
  app = await startBrowserApp({ env: { WEBHOOK_SECRET: SECRET } });
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
});
afterEach(() => closeSessions(sessions));

async function open(lang: 'en' | 'ru', opts: BrowserContextOptions): Promise<Session> {
  const s = await openSession(browser, app, { locale: lang === 'ru' ? 'ru-RU' : 'en-US', ...opts });
  sessions.push(s);
  return s;
}

async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.fill('#f-email', email);
  await page.fill('#f-password', password);
  await clickAndWait(page, page.locator('main form button[type="submit"]'));
}

async function paid(email: string, product: string): Promise<void> {
  const raw = JSON.stringify({ event: 'order.paid', orderId: `ord-${randomBytes(4).toString('hex')}`, email, name: 'Buyer', product, amount: '1500.00', currency: 'RUB', paidAt: new Date(Date.now() - 3 * DAY).toISOString() });
  const res = await fetch(`${app.baseUrl}/webhooks/orders`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Kabinet-Signature': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}` },
    body: raw,
  });
  expect(res.status).toBeLessThan(300);
}

const CASES = [
  { lang: 'en' as const, blame: 'You broke the rules.', words: { blame: 'Sounds like blame', done: 'Done', waiting: 'Waiting for an answer or your confirmation', record: 'Offboarding record' } },
  { lang: 'ru' as const, blame: 'Вы нарушили правила.', words: { blame: 'Звучит как обвинение', done: 'Выполнен', waiting: 'Ждут ответа или вашего подтверждения', record: 'Отчёт о расставании' } },
];

describe.each(CASES)('offboarding a client, from the client page to the printable record ($lang)', ({ lang, blame, words }) => {
  it('opens, previews, is told about the blaming sentence, fixes it, starts, and prints the record', async () => {
    const owner = await createUser(app, { role: 'owner', locale: lang });
    const client = await createUser(app, { role: 'client', name: lang === 'ru' ? 'Ирина Петрова' : 'Irina Petrova', locale: lang });
    const product = await createProduct(app, { slug: `wc-${lang}-${randomBytes(3).toString('hex')}`, title: 'Watercolour basics' });
    await paid(client.email, product.slug);
    const second = await createProduct(app, { slug: `sk-${lang}-${randomBytes(3).toString('hex')}`, title: 'Urban sketching' });
    await grantAccess(app, client.id, second.id, { endsAt: new Date(Date.now() + 30 * DAY) });
    const ticket = await createTicket(app, client.id, { subject: 'Daily private lessons?' });

    const s = await open(lang, DESKTOP);
    const page = s.page;
    await logIn(page, owner.email, owner.password);
    await page.goto(`/admin/clients/${client.id}`);
    await clickAndWait(page, page.locator('[data-test="client-offboarding"] [data-test="offboard"]'));
    expect(new URL(page.url()).pathname).toBe(`/admin/clients/${client.id}/offboarding/new`);
    await page.fill('#f-reason', 'Asked for daily private lessons far beyond the course, after the terms were explained twice.');
    await page.locator(`input[name="ticket_${ticket.id}"]`).check();
    await clickAndWait(page, page.locator('[data-test="preview"]'));
    expect(new URL(page.url()).pathname).toBe(`/admin/clients/${client.id}/offboarding/preview`);
    expect(await page.locator('[data-test="hints-none"]').count()).toBe(1);
    expect(await page.locator('[data-test="refund-row"]').count()).toBe(1);

    // a blaming sentence: the hint appears beside the text, quoting it
    const body = page.locator('#f-noticeBody');
    const original = await body.inputValue();
    const lines = original.split('\n');
    await body.fill([lines[0], '', blame, ...lines.slice(1)].join('\n'));
    await clickAndWait(page, page.locator('[data-test="check-again"]'));
    const hint = page.locator('[data-test="notice-hint"][data-rule="blame"]');
    expect(await hint.count()).toBe(1);
    expect(await hint.innerText()).toContain(words.blame);
    expect(await hint.locator('[data-test="hint-excerpt"]').innerText()).toBe(blame);
    expect(await page.locator('[data-test="notice-rendered"]').innerText()).toContain(blame);
    await screenshot(page, `offboarding-preview-hint-${lang}-1280`);
    expect((await horizontalOverflow(page)).scrollWidth).toBeLessThanOrEqual(1280);

    // fixed: the hint is gone, the edited text is what will be sent
    await body.fill(original);
    await clickAndWait(page, page.locator('[data-test="check-again"]'));
    expect(await page.locator('[data-test="notice-hint"][data-rule="blame"]').count()).toBe(0);
    expect(await page.locator('[data-test="hints-none"]').count()).toBe(1);

    await clickAndWait(page, page.locator('[data-test="start"]'));
    const caseId = Number(/\/admin\/offboarding\/(\d+)/.exec(page.url())![1]);
    expect(caseId).toBeGreaterThan(0);
    await app.app.get(RunCase).runDue(new Date());
    await page.goto(`/admin/offboarding/${caseId}`);
    for (const step of ['revoke', 'unsubscribe', 'ban']) {
      expect(await page.locator(`[data-step="${step}"] [data-test="step-status"]`).getAttribute('data-status')).toBe('done');
      expect(await page.locator(`[data-step="${step}"] [data-test="step-status"]`).innerText()).toBe(words.done);
    }
    const refund = page.locator('[data-step="refund"]');
    expect(await refund.locator('[data-test="step-status"]').getAttribute('data-status')).toBe('waiting');
    expect(await refund.innerText()).toContain(words.waiting);
    expect(await refund.locator('[data-test="confirm-refund"]').getAttribute('href')).toBe(`/admin/clients/${client.id}#orders`);
    expect(await page.locator('[data-test="notice-sent"]').innerText()).toContain(client.name);
    await screenshot(page, `offboarding-case-${lang}-1280`);

    await clickAndWait(page, page.locator('[data-test="record"]'));
    expect(new URL(page.url()).pathname).toBe(`/admin/offboarding/${caseId}/record`);
    const record = await visibleText(page);
    expect(record).toContain(words.record);
    expect(record).toContain(client.name);
    expect(record).not.toContain(blame);
    expect(await page.locator('nav.nav').count()).toBe(0);
    expect(await page.locator('[data-test="record-audit"] tr').count()).toBeGreaterThan(2);
    // printed, the tools above the record are left out
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.ob-record-tools').isVisible()).toBe(false);
    await screenshot(page, `offboarding-record-${lang}-print`);
  });

  it('the preview fits a phone, hints and all', async () => {
    const owner = await createUser(app, { role: 'owner', locale: lang });
    const client = await createUser(app, { role: 'client', name: 'Nina Sokolova', locale: lang });
    const product = await createProduct(app, { slug: `ph-${lang}-${randomBytes(3).toString('hex')}`, title: 'Watercolour basics' });
    await paid(client.email, product.slug);
    const s = await open(lang, PHONE);
    await logIn(s.page, owner.email, owner.password);
    await s.page.goto(`/admin/clients/${client.id}/offboarding/new`);
    await s.page.fill('#f-reason', 'Shared the lesson videos in a public chat.');
    await clickAndWait(s.page, s.page.locator('[data-test="preview"]'));
    const body = s.page.locator('#f-noticeBody');
    await body.fill(`${blame}\n${await body.inputValue()}`);
    await clickAndWait(s.page, s.page.locator('[data-test="check-again"]'));
    expect(await s.page.locator('[data-test="notice-hint"][data-rule="blame"]').count()).toBe(1);
    await screenshot(s.page, `offboarding-preview-hint-${lang}-390`);
    expect((await horizontalOverflow(s.page)).scrollWidth).toBeLessThanOrEqual(390);
    await s.page.goto(`/admin/clients/${client.id}/offboarding/new`);
    expect((await horizontalOverflow(s.page)).scrollWidth).toBeLessThanOrEqual(390);
  });
});
