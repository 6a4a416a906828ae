import type { Browser } from 'playwright-core';
import { Lesson } from '../../src/members/catalogue/entities/lesson.entity';
import { OutboxRepository } from '../../src/mail/outbox.repository';
import { CampaignsService } from '../../src/mailing/campaigns/campaigns.service';
import { createList, createSubscriber } from '../factories/mailing';
import { createLesson, createProduct, FACTORY_ACTOR } from '../factories/members';
import { createUser } from '../factories/users';
import { BrowserApp, clickAndWait, closeSessions, launchBrowser, openSession, Session, startBrowserApp, visibleText } from '../utils/browser';

/**
 * The admin's daily work in a real browser: the outbox shows a mail as a mail client does (in a sandboxed frame
 * of its own, no CSP violation on the page), the campaign page's notices go once read (also across its
 * auto-refresh) and its preview frame shows a member, and the lesson editor previews without JavaScript.
 */
let browser: Browser;
let app: BrowserApp;
let owner: { email: string; password: string };
const sessions: Session[] = [];
// getComputedStyle, typed for the test tsconfig (no DOM types); the functions below run in the page
type Styles = { getComputedStyle(e: unknown): { color: string; letterSpacing: string } };

beforeAll(async () => {
  browser = await launchBrowser();
  app = await startBrowserApp({ env: { DEFAULT_LOCALE: 'en' } });
  owner = await createUser(app, { role: 'owner', locale: 'en' });
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
});
afterEach(() => closeSessions(sessions));

async function ownerSession(opts: Parameters<typeof openSession>[2] = {}): Promise<Session> {
  const s = await openSession(browser, app, { locale: 'en-US', viewport: { width: 1280, height: 900 }, ...opts });
  sessions.push(s);
  await s.page.goto('/login');
  await s.page.fill('#f-email', owner.email);
  await s.page.fill('#f-password', owner.password);
  await clickAndWait(s.page, s.page.locator('main form button[type="submit"]'));
  return s;
}

describe('outbox viewer (browser)', () => {
  it("shows the mail's HTML with its own styles, the preheader hidden, beside the text, axe-clean and without a CSP violation", async () => {
    await app.db.transaction((m) =>
      app.app.get(OutboxRepository).insert(m, {
        messageId: '<browser.1@kabinet.test>',
        idempotencyKey: null,
        mailClass: 'marketing',
        template: 'campaign-test',
        locale: 'en',
        from: 'kabinet <noreply@kabinet.test>',
        to: 'frame@example.com',
        subject: 'Framed mail',
        html: '<!doctype html><html><head><style>h1 { letter-spacing: 3px; }</style></head><body style="background:#f4f4f5">' +
          '<div class="pre" style="display:none;max-height:0;overflow:hidden">Hidden preheader</div>' +
          '<h1>Title</h1><p id="styled" style="color:#b00000">Red text</p></body></html>',
        text: 'Title\n\nRed text',
        headers: '{}',
      }),
    );
    const [{ id }] = await app.db.manager.query("SELECT id FROM outbox WHERE to_address = 'frame@example.com'");
    const s = await ownerSession();
    await s.page.goto(`/admin/outbox/${id}`);
    const frameEl = s.page.locator('iframe[data-test="mail-frame"]');
    expect(await frameEl.getAttribute('sandbox')).toBe('');
    const frame = s.page.frameLocator('iframe[data-test="mail-frame"]');
    await frame.locator('#styled').waitFor();
    expect(await frame.locator('#styled').evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el).color)).toBe('rgb(176, 0, 0)');
    expect(await frame.locator('h1').evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el).letterSpacing)).toBe('3px');
    expect(await frame.locator('.pre').isVisible()).toBe(false);
    expect(await s.page.locator('[data-test="mail-text"]').innerText()).toBe('Title\n\nRed text');
    // text beside the frame on a wide screen
    const [f, txt] = [await frameEl.boundingBox(), await s.page.locator('[data-test="mail-text"]').boundingBox()];
    expect(txt!.x).toBeGreaterThan(f!.x + f!.width - 1);
  });
});

describe('campaign page (browser)', () => {
  it('a notice goes once read: off the address at once, and not back after a reload or the auto-refresh', async () => {
    const list = await createList(app);
    await createSubscriber(app, { name: 'Vera', email: 'vera@example.com', lists: [list.id] });
    const c = await app.app.get(CampaignsService).create(FACTORY_ACTOR, { subject: 'Autumn news', body: 'Hello {{name}}', lists: [String(list.id)] });
    const s = await ownerSession();
    const { page } = s;
    await page.goto(`/admin/mailing/campaigns/${c.id}`);
    // the preview frame shows the first member of the audience
    await page.frameLocator('iframe[data-test="preview-frame"]').locator('text=Hello Vera').waitFor();

    await page.locator('[data-test="send-now"]').click();
    const dialog = page.locator('dialog.dialog[open]');
    await dialog.waitFor();
    await clickAndWait(page, dialog.locator('[data-test="confirm-send"]'));
    expect(await page.locator('[data-test="done"]').innerText()).toBe('Sending started.');
    expect(new URL(page.url()).search).toBe('');
    // the page reloads itself while sending (views/assets/campaign-refresh.js): the notice does not come back
    await page.waitForEvent('load', { timeout: 15_000 });
    expect(await page.locator('[data-test="campaign-status"]').innerText()).toMatch(/sending/i);
    expect(await page.locator('[data-test="done"]').count()).toBe(0);
    await page.reload();
    expect(await page.locator('[data-test="done"]').count()).toBe(0);
  });
});

describe('lesson editor (browser)', () => {
  it('previews unsaved text without JavaScript; nothing is saved until Save', async () => {
    const p = await createProduct(app, { title: 'Ink drawing' });
    const lesson = await createLesson(app, p.id, { title: 'Lines', bodyMd: 'Old text' });
    const s = await ownerSession({ javaScriptEnabled: false });
    const { page } = s;
    await page.goto(`/admin/lessons/${lesson.id}`);
    await page.fill('#f-bodyMd', 'New **bold** text\n\n<script>document.title="x"</script>');
    await clickAndWait(page, page.locator('[data-test="preview"]'));
    expect(await page.locator('#preview article.lesson-body strong').innerText()).toBe('bold');
    expect(await page.inputValue('#f-bodyMd')).toBe('New **bold** text\n\n<script>document.title="x"</script>');
    expect(await page.locator('#preview script').count()).toBe(0);
    expect((await app.db.manager.findOneByOrFail(Lesson, { id: lesson.id })).bodyMd).toBe('Old text');

    await clickAndWait(page, page.locator('[data-test="save-previewed"]'));
    expect(new URL(page.url()).pathname).toBe(`/admin/lessons/${lesson.id}`);
    expect((await app.db.manager.findOneByOrFail(Lesson, { id: lesson.id })).bodyMd).toContain('New **bold** text');
    expect(await visibleText(page)).toContain('Delete this lesson');
  });
});
