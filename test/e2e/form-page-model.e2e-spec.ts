import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { ClientsService } from '../../src/clients/clients.service';
import { ListsService } from '../../src/mailing/lists/lists.service';
import { CatalogueService } from '../../src/members/catalogue/catalogue.service';
import { createList } from '../factories/mailing';
import { createLesson, createProduct } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');
const UNKNOWN = 999_999;

/**
 * A form page's model (the page shown again with the errors) is loaded only when the form is shown again: a post
 * that succeeds never reads the page it redirects away from. The spies watch the real services on the real
 * database; they only count calls.
 */
describe('form pages: the page model is loaded only to show the form again', () => {
  let t: TestApp;
  let admin: Agent;
  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_UPLOAD_BYTES: '4096' } });
    const a = await createUser(t, { role: 'admin' });
    admin = await loginAgent(t, a.email, a.password);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  /** The page's CSRF token, read before the spy starts counting (the GET loads the page, of course). */
  const tokenFrom = async (url: string) => csrfFrom((await admin.get(url).expect(200)).text);

  it('client page: a granted access loads nothing; a refused one shows the client page again with the typed values', async () => {
    const client = await createUser(t, { email: `page-${tag()}@example.com` });
    const product = await createProduct(t);
    const url = `/admin/clients/${client.id}`;
    const _csrf = await tokenFrom(url);
    const page = jest.spyOn(t.app.get(ClientsService), 'page');

    const ok = await admin.post(`${url}/grants`).type('form').send({ _csrf, productId: String(product.id), forever: 'on', reason: 'gift' });
    expect(ok.status).toBe(303);
    expect(page).not.toHaveBeenCalled();

    const refused = await admin.post(`${url}/grants`).type('form').send({ _csrf, form: 'grant', productId: String(UNKNOWN), endsAt: '', reason: 'typed reason' });
    expect(refused.status).toBe(400);
    expect(page).toHaveBeenCalledTimes(1);
    expect(refused.text).toContain(client.email);
    expect(refused.text).toContain('value="typed reason"');
    expect(refused.text).toContain(product.title); // the grant made just before is on the page shown again
  });

  it('product page and list index: a saved form loads nothing; a refused one is shown again with its page', async () => {
    const product = await createProduct(t);
    const _csrf = await tokenFrom(`/admin/products/${product.id}`);
    const outline = jest.spyOn(t.app.get(CatalogueService), 'outline');
    const title = `Renamed ${tag()}`;
    const ok = await admin.post(`/admin/products/${product.id}`).type('form').send({ _csrf, slug: product.slug, title, status: 'published' });
    expect(ok.status).toBe(303);
    const section = await admin.post(`/admin/products/${product.id}/sections`).type('form').send({ _csrf, title: 'Week 1' });
    expect(section.status).toBe(303);
    expect(outline).not.toHaveBeenCalled();
    const refused = await admin.post(`/admin/products/${product.id}`).type('form').send({ _csrf, slug: 'Not A Slug!', title: 'Typed title' });
    expect(refused.status).toBe(400);
    expect(outline).toHaveBeenCalledTimes(1);
    expect(refused.text).toContain('value="Typed title"');
    expect(refused.text).toContain('Week 1'); // the page's outline, loaded after the failure

    const overview = jest.spyOn(t.app.get(ListsService), 'overview');
    const listName = `List ${tag()}`;
    expect((await admin.post('/admin/mailing/lists').type('form').send({ _csrf, name: listName, optIn: 'single' })).status).toBe(303);
    expect(overview).not.toHaveBeenCalled();
    const noName = await admin.post('/admin/mailing/lists').type('form').send({ _csrf, name: '', description: 'typed description', optIn: 'single' });
    expect(noName.status).toBe(400);
    expect(overview).toHaveBeenCalledTimes(1);
    expect(noName.text).toContain(listName);
    expect(noName.text).toContain('typed description');
  });

  it('lesson upload: a stored file loads nothing; a refused one shows the lesson page again', async () => {
    const product = await createProduct(t);
    const lesson = await createLesson(t, product.id, { title: `Lesson ${tag()}` });
    const _csrf = await tokenFrom(`/admin/lessons/${lesson.id}`);
    const page = jest.spyOn(t.app.get(CatalogueService), 'lesson');
    await admin.post(`/admin/lessons/${lesson.id}/files`).field('_csrf', _csrf).attach('file', Buffer.from('hello'), 'a.txt').expect(303);
    expect(page).not.toHaveBeenCalled();
    const big = await admin.post(`/admin/lessons/${lesson.id}/files`).field('_csrf', _csrf).attach('file', Buffer.alloc(10_000, 1), 'big.bin');
    expect(big.status).toBe(413);
    expect(page).toHaveBeenCalledTimes(1);
    expect(big.text).toContain(`value="${lesson.title}"`);
    expect(big.text).toContain('a.txt');
  });

  it('a form whose record does not exist answers 404 whatever its body, never its form or a 500', async () => {
    const list = await createList(t);
    const headers = { 'X-CSRF-Token': await tokenFrom('/admin/clients') };
    const forms: [string, Record<string, string>][] = [
      [`/admin/clients/${UNKNOWN}/notes`, { body: 'a note' }],
      [`/admin/clients/${UNKNOWN}/labels`, { label: 'vip' }],
      [`/admin/clients/${UNKNOWN}/grants`, { productId: '1', forever: 'on' }],
      [`/admin/clients/${UNKNOWN}/grants/1/extend`, { forever: 'on' }],
      [`/admin/clients/${UNKNOWN}/grants/1/revoke`, { reason: 'because' }],
      [`/admin/products/${UNKNOWN}`, { slug: `gone-${tag()}`, title: 'Gone' }],
      [`/admin/products/${UNKNOWN}/sections`, { title: 'Week' }],
      [`/admin/products/${UNKNOWN}/sections/1`, { title: 'Week' }],
      [`/admin/products/${UNKNOWN}/lessons`, { title: 'Lesson' }],
      [`/admin/lessons/${UNKNOWN}`, { title: 'Lesson' }],
      [`/admin/mailing/lists/${UNKNOWN}`, { name: 'List', optIn: 'single' }],
      [`/admin/mailing/subscribers/${UNKNOWN}/lists`, { listId: String(list.id) }],
      [`/admin/mailing/subscribers/${UNKNOWN}/suppress`, { reason: 'banned' }],
      [`/admin/mailing/subscribers/${UNKNOWN}/unsuppress`, { note: 'ok' }],
      [`/admin/mailing/campaigns/${UNKNOWN}`, { subject: 'S', body: 'B', bodyFormat: 'markdown', lists: String(list.id) }],
      [`/admin/mailing/campaigns/${UNKNOWN}/send`, {}],
      [`/admin/mailing/campaigns/${UNKNOWN}/schedule`, { at: '2099-01-01T10:00' }],
      [`/admin/mailing/campaigns/${UNKNOWN}/test`, { email: 'someone@example.com' }],
      [`/admin/mailing/campaigns/${UNKNOWN}/unschedule`, {}],
      [`/admin/mailing/campaigns/${UNKNOWN}/pause`, {}],
      [`/admin/mailing/campaigns/${UNKNOWN}/resume`, {}],
      [`/admin/mailing/campaigns/${UNKNOWN}/cancel`, {}],
      [`/admin/mailing/campaigns/${UNKNOWN}/requeue-unknown`, {}],
    ];
    for (const [url, valid] of forms) {
      for (const body of [valid, {}]) {
        const res = await admin.post(url).set(headers).type('form').send(body);
        expect({ url, body, status: res.status }).toEqual({ url, body, status: 404 });
      }
    }
    const upload = await admin.post(`/admin/lessons/${UNKNOWN}/files`).set(headers).attach('file', Buffer.from('x'), 'x.txt');
    expect(upload.status).toBe(404);
    expect(fs.readdirSync(t.config.filesDir).filter((n) => n.startsWith('.upload-'))).toEqual([]);
  });
});
