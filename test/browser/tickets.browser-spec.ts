import type { Browser } from 'playwright-core';
import { createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { BrowserApp, clickAndWait, closeSessions, horizontalOverflow, launchBrowser, openSession, screenshot, Session, startBrowserApp, visibleText } from '../utils/browser';

let browser: Browser;
let app: BrowserApp;
const sessions: Session[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startBrowserApp();
});
afterEach(() => closeSessions(sessions));
afterAll(async () => {
  await app?.close();
  await browser?.close();
});

const TEXT = {
  en: { locale: 'en-US', tickets: 'Tickets', new: 'New ticket', send: 'Send', reply: 'Send reply', support: 'Support', answered: 'Answered' },
  ru: { locale: 'ru-RU', tickets: 'Обращения', new: 'Новое обращение', send: 'Отправить', reply: 'Отправить ответ', support: 'Поддержка', answered: 'Есть ответ' },
} as const;

describe('support tickets (browser)', () => {
  it.each(['en', 'ru'] as const)('%s: a client opens a ticket, staff answer it, the client reads the answer (and at 390 px nothing scrolls sideways)', async (lang) => {
    const L = TEXT[lang];
    const p = await createProduct(app, { title: lang === 'ru' ? 'Акварель' : 'Watercolour' });
    const client = await createUser(app, { name: 'Ira', locale: lang });
    await grantAccess(app, client.id, p.id);
    const staff = await createUser(app, { role: 'staff', name: 'Sam', locale: lang });

    const c = await openSession(browser, app, { locale: L.locale, viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true });
    sessions.push(c);
    await c.page.goto('/login');
    await c.page.fill('#f-email', client.email);
    await c.page.fill('#f-password', client.password);
    await clickAndWait(c.page, c.page.locator('main form button[type="submit"]'));
    await c.page.goto('/account/tickets');
    await clickAndWait(c.page, c.page.getByRole('link', { name: L.new }));
    await c.page.selectOption('#f-productId', String(p.id));
    await c.page.fill('#f-subject', lang === 'ru' ? 'Не открывается урок' : 'A lesson will not open');
    await c.page.fill('#f-body', lang === 'ru' ? 'Урок 2 пишет «закрыт».' : 'Lesson 2 says locked.');
    await c.page.setInputFiles('#f-file', { name: 'screen.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) });
    await clickAndWait(c.page, c.page.locator('main form[data-test="ticket-form"] button[type="submit"]'));
    const ticketPath = new URL(c.page.url()).pathname;
    expect(ticketPath).toMatch(/^\/account\/tickets\/\d+$/);
    expect(await c.page.getByRole('link', { name: 'screen.png' }).count()).toBe(1);
    expect((await horizontalOverflow(c.page)).scrollWidth).toBeLessThanOrEqual(390);
    const id = ticketPath.split('/').pop();

    const s = await openSession(browser, app, { locale: L.locale });
    sessions.push(s);
    await s.page.goto('/login');
    await s.page.fill('#f-email', staff.email);
    await s.page.fill('#f-password', staff.password);
    await clickAndWait(s.page, s.page.locator('main form button[type="submit"]'));
    await s.page.goto('/admin/tickets');
    await clickAndWait(s.page, s.page.locator(`tr[data-ticket="${id}"] a`).first());
    await s.page.fill('#f-body', lang === 'ru' ? 'Урок откроется завтра утром.' : 'It opens tomorrow morning.');
    await s.page.fill('#f-minutes', '5');
    await s.page.setInputFiles('#f-file', { name: 'schedule.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 4, 5, 6]) });
    await clickAndWait(s.page, s.page.locator('form[data-test="staff-reply-form"] button[type="submit"]'));
    // an internal note, with its own file, behind its summary
    await s.page.locator('[data-test="note-box"] > summary').click();
    await s.page.fill('#f-note-body', lang === 'ru' ? 'ЗАМЕТКА: доступ по расписанию' : 'NOTE: drip schedule');
    await s.page.setInputFiles('#f-note-file', { name: 'internal-grant.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7]) });
    await clickAndWait(s.page, s.page.locator('form[data-test="note-form"] button[type="submit"]'));
    const staffText = await visibleText(s.page);
    expect(staffText).toContain(lang === 'ru' ? 'ЗАМЕТКА: доступ по расписанию' : 'NOTE: drip schedule');
    expect(await s.page.getByRole('link', { name: 'internal-grant.png' }).count()).toBe(1);
    await screenshot(s.page, `ticket-staff-${lang}`);

    await c.page.goto(ticketPath);
    const text = await visibleText(c.page);
    expect(text).toContain(lang === 'ru' ? 'Урок откроется завтра утром.' : 'It opens tomorrow morning.');
    expect(text).toContain(L.support);
    expect(text).toContain(L.answered);
    expect(text).not.toContain('Sam');
    expect(text).not.toMatch(/ЗАМЕТКА|NOTE:|internal-grant/);
    expect(await c.page.getByRole('link', { name: 'schedule.png' }).count()).toBe(1);
    expect((await horizontalOverflow(c.page)).scrollWidth).toBeLessThanOrEqual(390);
    await screenshot(c.page, `ticket-client-${lang}`);
  });
});
