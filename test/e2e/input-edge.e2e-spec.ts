import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { User } from '../../src/users/entities/user.entity';
import { createList } from '../factories/mailing';
import { FACTORY_ACTOR } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/** The four groups of 500s the fuzz run found, each now a 4xx with a message that says what was wrong. */
describe('input at the edge', () => {
  let t: TestApp;
  let key: string;
  let owner: Agent;
  let client: Agent;
  const api = (method: 'get' | 'post', url: string) => request(t.http)[method](url).set('Authorization', `Bearer ${key}`);

  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.app.get(ApiKeysService).create(FACTORY_ACTOR, 'edge')).key;
    const o = await createUser(t, { role: 'owner' });
    const c = await createUser(t, { role: 'client' });
    owner = await loginAgent(t, o.email, o.password);
    client = await loginAgent(t, c.email, c.password);
  });
  afterAll(() => t.close());

  describe('a field sent twice', () => {
    it('is a 400 naming the field on the login and password-reset forms, without login', async () => {
      const anon = request.agent(t.http);
      const csrf = csrfFrom((await anon.get('/login')).text);
      const login = await anon.post('/login').type('form').send(`email=a%40example.com&email=b%40example.com&password=x&_csrf=${csrf}`);
      expect(login.status).toBe(400);
      expect(login.text).toContain('The field “email” was sent more than once');
      expect(login.text).toContain('name="password"'); // the login form again, not an error page
      const forgot = await anon.post('/password/forgot').type('form').send(`email=a%40example.com&email=b%40example.com&_csrf=${csrf}`);
      expect(forgot.status).toBe(400);
      expect(forgot.text).toContain('The field “email” was sent more than once');
    });

    it('is a 400 in a query string and on /account/redeem', async () => {
      for (const url of ['/admin/clients?q=a&q=b', '/admin/orders?email=a&email=b']) {
        const res = await owner.get(url);
        expect(res.status).toBe(400);
        expect(res.text).toMatch(/The field “(q|email)” was sent more than once/);
      }
      const csrf = csrfFrom((await client.get('/account/redeem')).text);
      const redeem = await client.post('/account/redeem').type('form').send(`code=A&code=B&_csrf=${csrf}`);
      expect(redeem.status).toBe(400);
      expect(redeem.text).toContain('The field “code” was sent more than once');
    });

    it('is a 400 in a multipart form (a file upload) too', async () => {
      const page = await owner.get('/admin/clients/import');
      const res = await owner.post('/admin/clients/import').field('_csrf', csrfFrom(page.text)).field('dryRun', '1').field('dryRun', '0');
      expect(res.status).toBe(400);
    });

    it('is a 400 with the shared error body on the API', async () => {
      const res = await api('get', '/api/admin/clients?email=a&email=b');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        error: { code: 'input.repeated_field', message: expect.stringContaining('“email” was sent more than once'), details: { field: 'email', fields: { email: expect.any(String) } } },
      });
    });

    it('still reaches the handler as a list where a form declares a checkbox group', async () => {
      const [a, b] = [await createList(t, { optIn: 'single' }), await createList(t, { optIn: 'single' })];
      const res = await request(t.http).post('/subscribe').type('form').send(`email=twice%40example.com&lists=${a.id}&lists=${b.id}&consent=1`);
      expect(res.status).toBe(303);
      const sub = await t.db.manager.findOneByOrFail(Subscriber, { email: 'twice@example.com' });
      expect(sub.id).toBeGreaterThan(0);
    });
  });

  describe('a body no parser read', () => {
    it.each([
      ['text/plain', 'email=a@example.com'],
      ['application/xml', '<a>b</a>'],
      ['multipart/form-data', 'no boundary'],
      ['multipart/form-data; boundary=XYZ', '--XYZ\r\nContent-Disposition: form-data; name="email"\r\n\r\na@exa'],
    ])('POST /subscribe as %s is 415 with a page that says what to send', async (type, body) => {
      const res = await request(t.http).post('/subscribe').set('Content-Type', type).send(body);
      expect(res.status).toBe(415);
      expect(res.text).toContain('Unsupported format');
      expect(res.text).toContain('send a form (application/x-www-form-urlencoded) or JSON');
    });

    it('POST /subscribe without a body is 415 too', async () => {
      expect((await request(t.http).post('/subscribe')).status).toBe(415);
    });
  });

  describe('JSON', () => {
    it.each([1000, 1500, 100_000])('nested %i deep is a 400 on every JSON route', async (depth) => {
      for (const url of ['/api/admin/clients', '/api/admin/campaigns', '/api/admin/products']) {
        const res = await api('post', url).set('Content-Type', 'application/json').send(`{"email":${'['.repeat(depth)}${']'.repeat(depth)}}`);
        expect(res.status).toBe(400);
        expect(['input.too_deep', 'malformed_request']).toContain(res.body.error.code);
      }
    });

    it('a lone surrogate is a 400 naming the field, and subscribes nobody', async () => {
      const created = await api('post', '/api/admin/clients').set('Content-Type', 'application/json').send('{"email":"a\\ud800@example.com"}');
      expect(created.status).toBe(400);
      expect(created.body.error).toMatchObject({ code: 'input.bad_text', details: { field: 'email' } });
      expect(await t.db.manager.countBy(User, { role: 'client', name: '' })).toBe(0);

      const list = await createList(t);
      const added = await api('post', `/api/admin/lists/${list.id}/subscribers`).set('Content-Type', 'application/json').send('{"email":"b\\ud800@example.com"}');
      expect(added.status).toBe(400);
      const batch = await api('post', `/api/admin/lists/${list.id}/subscribers`).set('Content-Type', 'application/json').send('{"subscribers":[{"email":"c\\udfff@example.com"}]}');
      expect(batch.status).toBe(400);
      expect(batch.body.error.details.field).toBe('subscribers.0.email');
      expect(await t.db.manager.count(Subscriber)).toBe(1); // the one from the checkbox test above
    });

    it('a campaign subject with NUL, U+2028 or a control character is refused', async () => {
      const list = await createList(t);
      for (const subject of ['a\u0000b', 'a\u2028b', 'a\u0007b', 'a\nb']) {
        const res = await api('post', '/api/admin/campaigns').send({ subject, body: 'Hello', lists: [list.id] });
        expect(res.status).toBe(400);
        expect(res.body.error.details.field === 'subject' || !!res.body.error.details.fields?.subject).toBe(true);
      }
      expect((await api('post', '/api/admin/campaigns').send({ subject: 'Fine', body: 'Hello', lists: [list.id] })).status).toBe(201);
    });
  });

  describe('Cache-Control: no-store', () => {
    it('on every answer of the admin API, errors included', async () => {
      for (const url of ['/api/admin/me', '/api/admin/clients', '/api/admin/subscribers', '/api/admin/orders', '/api/admin/clients/999999']) {
        expect((await api('get', url)).headers['cache-control']).toBe('no-store');
      }
      expect((await request(t.http).get('/api/admin/clients')).headers['cache-control']).toBe('no-store');
    });

    it('on the password-reset page, whose URL carries the token', async () => {
      const res = await request(t.http).get(`/password/reset/${'A'.repeat(43)}`);
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
    });
  });
});
