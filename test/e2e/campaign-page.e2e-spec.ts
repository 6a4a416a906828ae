import { randomBytes } from 'node:crypto';
import { MailingTokens } from '../../src/mailing/mailing-tokens';
import { createList, createSubscriber } from '../factories/mailing';
import { createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { outboxFor } from '../utils/outbox';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');
const BASE = '/admin/mailing/campaigns';

/** The campaign page: Send first, no statistics before a send, a preview as a real member of the audience. */
describe('campaign page', () => {
  let t: TestApp;
  let staff: Agent;

  beforeAll(async () => {
    t = await startTestApp({ env: { DEFAULT_LOCALE: 'en' } });
    const s = await createUser(t, { role: 'staff', locale: 'en' });
    staff = await loginAgent(t, s.email, s.password);
  });
  afterAll(() => t.close());

  async function draft(fields: Record<string, string | string[]>): Promise<number> {
    const page = await staff.get(`${BASE}/new`).expect(200);
    const res = await staff
      .post(BASE)
      .type('form')
      .send({ subject: `Letter ${tag()}`, body: 'Hello {{name}}', bodyFormat: 'markdown', ...fields, _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    return Number(/\/campaigns\/(\d+)\?done=created$/.exec(res.headers.location)?.[1]);
  }

  it('a draft has Send as its primary action, Cancel as a secondary one, and no statistics until it is sent', async () => {
    const list = await createList(t);
    await createSubscriber(t, { lists: [list.id] });
    const id = await draft({ lists: String(list.id) });
    const page = (await staff.get(`${BASE}/${id}?done=created`).expect(200)).text;
    expect(page).toMatch(/<a class="button primary" href="[^"]+\/send" data-confirm data-test="send-now">/);
    expect(page).toMatch(/<button type="submit" class="secondary" data-test="cancel">/);
    expect((page.match(/class="button primary"|class="primary"/g) ?? []).length).toBe(1);
    expect(page.indexOf('data-test="send-now"')).toBeLessThan(page.indexOf('data-test="cancel"'));
    expect(page).not.toContain('id="stats"');
    expect(page).not.toContain('data-test="stats"');
    // the notice of the action before is a flash (ui.js takes ?done= off the address)
    expect(page).toMatch(/<p class="notice flash" role="status" data-test="done">Draft created\.<\/p>/);

    const confirm = await staff.get(`${BASE}/${id}/send`).expect(200);
    expect((await staff.post(`${BASE}/${id}/send`).type('form').send({ _csrf: csrfFrom(confirm.text) })).status).toBe(303);
    const sending = (await staff.get(`${BASE}/${id}`).expect(200)).text;
    expect(sending).toContain('id="stats"');
    expect(sending).toMatch(/data-stat="recipients">1</);
    expect(sending).not.toContain('data-test="send-now"');
  });

  it('previews the mail as a member picked from the audience: their name, language and own unsubscribe link', async () => {
    const k = tag();
    const news = await createList(t, { name: `News ${k}` });
    const other = await createList(t, { name: `Other ${k}` });
    const anna = await createSubscriber(t, { email: `anna-${k}@example.com`, name: 'Anna Karenina', locale: 'ru', lists: [news.id] });
    const boris = await createSubscriber(t, { email: `boris-${k}@example.com`, name: 'Boris', locale: 'en', lists: [news.id] });
    await createSubscriber(t, { email: `olga-${k}@example.com`, name: 'Olga', lists: [other.id] });
    const product = await createProduct(t);
    const client = await createUser(t, { role: 'client', email: `client-${k}@example.com`, name: 'Clara Client' });
    await grantAccess(t, client.id, product.id);
    const id = await draft({ lists: String(news.id), products: String(product.id), body: 'Dear {{name}},\nwelcome.' });

    const page = (await staff.get(`${BASE}/${id}`).expect(200)).text;
    const select = /<select name="as"[\s\S]*?<\/select>/.exec(page)?.[0] ?? '';
    expect(select).toContain(`value="anna-${k}@example.com" selected`);
    expect(select).toContain(`value="boris-${k}@example.com"`);
    expect(select).toContain(`value="client-${k}@example.com"`);
    expect(select).not.toContain(`olga-${k}`);
    expect(page).toMatch(new RegExp(`<iframe class="mail-frame" sandbox src="${BASE}/${id}/preview\\?as=anna-${k}%40example.com"`));

    const picked = await staff.get(`${BASE}/${id}?as=${encodeURIComponent(`boris-${k}@example.com`)}`).expect(200);
    expect(picked.text).toContain(`value="boris-${k}@example.com" selected`);
    expect(picked.text).toContain(`preview?as=boris-${k}%40example.com`);
    const found = await staff.get(`${BASE}/${id}?find=CLIENT-${k}`).expect(200);
    expect(/<select name="as"[\s\S]*?<\/select>/.exec(found.text)?.[0]).toMatch(new RegExp(`^<select name="as" data-test="preview-as">\\s*<option value="client-${k}@example.com" selected>Clara Client — client-${k}@example.com</option>\\s*</select>$`));
    const none = await staff.get(`${BASE}/${id}?find=nobody-${k}`).expect(200);
    expect(none.text).toContain('data-test="preview-no-match"');

    // Anna's mail: her name, in Russian, with the unsubscribe token the send will give her
    const mail = await staff.get(`${BASE}/${id}/preview?as=${encodeURIComponent(`anna-${k}@example.com`)}`).expect(200);
    expect(mail.text).toContain('Dear Anna Karenina,<br />welcome.');
    expect(mail.text).toContain(`вы подписаны на рассылку «News ${k}»`);
    const token = /\/u\/([^"/]+)"/.exec(mail.text)?.[1] ?? '';
    expect(t.app.get(MailingTokens).readUnsubscribe(token)).toEqual({ subscriberId: anna.id, campaignId: id, listId: news.id });
    const b = await staff.get(`${BASE}/${id}/preview?as=${encodeURIComponent(`Boris-${k}@example.com`)}`).expect(200);
    expect(b.text).toContain('Dear Boris,');
    expect(b.text).toContain(`you subscribed to &quot;News ${k}&quot;`);
    void boris;
    const c = await staff.get(`${BASE}/${id}/preview?as=${encodeURIComponent(`client-${k}@example.com`)}`).expect(200);
    expect(c.text).toContain('Dear Clara Client,');

    // a subscriber of another list, or an address nobody has, is not in this audience
    expect((await staff.get(`${BASE}/${id}/preview?as=${encodeURIComponent(`olga-${k}@example.com`)}`)).status).toBe(404);
    expect((await staff.get(`${BASE}/${id}/preview?as=nobody@example.com`)).status).toBe(404);
    // nor is the preview anyone's but staff's
    const u = await createUser(t, { role: 'client' });
    expect((await (await loginAgent(t, u.email, u.password)).get(`${BASE}/${id}/preview`)).status).toBe(403);
  });

  it('the preview is its own document for a frame of our pages: CSP sandbox, no scripts, SAMEORIGIN', async () => {
    const list = await createList(t);
    await createSubscriber(t, { lists: [list.id] });
    const id = await draft({ lists: String(list.id), bodyFormat: 'html', body: '<p style="color:red">Hi</p><script>alert(1)</script>' });
    const res = await staff.get(`${BASE}/${id}/preview`).expect(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/^sandbox;/);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.text).toContain('<p style="color:red">Hi</p>');
    expect(res.text).not.toContain('<script');
    // the page around it keeps the app's own policy
    const page = await staff.get(`${BASE}/${id}`).expect(200);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).not.toContain('unsafe-inline');
  });

  it('after the start, the preview offers the people the send was written for', async () => {
    const list = await createList(t);
    const first = await createSubscriber(t, { lists: [list.id] });
    const id = await draft({ lists: String(list.id) });
    const confirm = await staff.get(`${BASE}/${id}/send`).expect(200);
    expect((await staff.post(`${BASE}/${id}/send`).type('form').send({ _csrf: csrfFrom(confirm.text) })).status).toBe(303);
    const late = await createSubscriber(t, { lists: [list.id] });
    await staff.get(`${BASE}/${id}/preview?as=${encodeURIComponent(first.email)}`).expect(200);
    expect((await staff.get(`${BASE}/${id}/preview?as=${encodeURIComponent(late.email)}`)).status).toBe(404);
    expect((await staff.get(`${BASE}/${id}`).expect(200)).text).not.toContain(`value="${late.email}"`);
  });

  it('an empty audience says so, with the next step, and the preview falls back to sample data', async () => {
    const list = await createList(t);
    const id = await draft({ lists: String(list.id) });
    const page = (await staff.get(`${BASE}/${id}`).expect(200)).text;
    expect(page).toContain('data-test="preview-empty"');
    expect(page).toContain('No one is in the audience yet');
    expect(page).toContain(`href="${BASE}/${id}/edit"`);
    expect(page).not.toContain('<select name="as"');
    expect((await staff.get(`${BASE}/${id}/preview`).expect(200)).text).toContain('Hello ');
  });

  it('keeps single line breaks of a Markdown body: <br> in the HTML, the line as written in the text part', async () => {
    const list = await createList(t);
    await createSubscriber(t, { lists: [list.id] });
    const id = await draft({ lists: String(list.id), body: 'Anna Petrova\nMain street 1\nMoscow\n\nSee you **soon**!' });
    const preview = await staff.get(`${BASE}/${id}/preview`).expect(200);
    expect(preview.text).toContain('<p>Anna Petrova<br />Main street 1<br />Moscow</p>');
    expect(preview.text).toContain('<p>See you <strong>soon</strong>!</p>');
    const to = `breaks-${tag()}@example.com`;
    expect((await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/test`, { email: to })).status).toBe(303);
    const [mail] = await outboxFor(t, to);
    expect(mail.text).toContain('Anna Petrova\nMain street 1\nMoscow\n\nSee you soon!');
    expect(mail.html).toContain('Anna Petrova<br />Main street 1<br />Moscow');
  });
});
