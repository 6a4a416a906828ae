import request from 'supertest';
import { createUser, DEFAULT_PASSWORD } from '../factories/users';
import { csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

describe('foundation: pages, security headers, roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers /healthz with the database status', async () => {
    const res = await request(t.http).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok', db: 'ok' });
  });

  it('serves /login with helmet headers and a CSRF field', async () => {
    const res = await request(t.http).get('/login').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(csrfFrom(res.text)).toMatch(/^[\w-]{20,}$/);
  });

  it('rejects a form post without a CSRF token with 403', async () => {
    const res = await request(t.http).post('/login').type('form').send({ email: 'a@example.com', password: 'x' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('form expired');
  });

  it('rejects a CSRF token that belongs to another browser', async () => {
    const a = request.agent(t.http);
    const b = request.agent(t.http);
    const tokenA = csrfFrom((await a.get('/login')).text);
    await b.get('/login');
    const res = await b.post('/login').type('form').send({ email: 'a@example.com', password: 'x', _csrf: tokenA });
    expect(res.status).toBe(403);
  });

  it('leaves the cookie-less JSON API and anonymous logout outside the CSRF check', async () => {
    const api = await request(t.http).post('/api/admin/me').send({});
    expect(api.status).toBe(404); // no such route: reached routing, not stopped by CSRF (403)
    expect(api.headers['set-cookie']).toBeUndefined();
    const out = await request(t.http).post('/logout').type('form').send({});
    expect(out.status).toBe(303);
  });

  it('first-run setup creates the owner once, then /setup sends to the login page', async () => {
    const agent = request.agent(t.http);
    expect((await agent.get('/')).headers.location).toBe('/setup');
    const bad = await formPost(agent, '/setup', '/setup', { email: 'not-an-email', password: 'short', confirm: 'other' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a valid email address');
    expect(bad.text).toContain('Use at least 10 characters');
    expect(bad.text).toContain('value="not-an-email"');

    const ok = await formPost(agent, '/setup', '/setup', {
      email: 'Owner@Example.com',
      name: 'Olga',
      password: DEFAULT_PASSWORD,
      confirm: DEFAULT_PASSWORD,
      locale: 'en',
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/admin?notice=welcome');
    const home = await agent.get('/admin').expect(200);
    expect(home.text).toContain('Dashboard');
    expect(home.text).toMatch(/<a href="\/admin" aria-current="page">/);
    expect(home.headers['cache-control']).toBe('no-store');

    const done = await request(t.http).get('/setup').expect(303);
    expect(done.headers.location).toBe('/login?notice=setup_done');
    expect((await request(t.http).get(done.headers.location).expect(200)).text).toContain('kabinet is already set up. Log in with your account.');
    const again = await formPost(request.agent(t.http), '/login', '/setup', {
      email: 'x@example.com',
      password: DEFAULT_PASSWORD,
      confirm: DEFAULT_PASSWORD,
    });
    expect(again.status).toBe(404);
  });

  it('logs in case-insensitively, rotates the session id, and logs out', async () => {
    const client = await createUser(t, { email: 'Client.One@example.com' });
    const agent = request.agent(t.http);
    const page = await agent.get('/login');
    const login = await agent.post('/login').type('form').send({ email: 'CLIENT.one@EXAMPLE.com', password: client.password, _csrf: csrfFrom(page.text) });
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/account');
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/kb_sid=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax/);
    const first = /kb_sid=([^;]+)/.exec(cookie)![1];

    // logging in again from the same browser issues a new session id and ends the old one
    await request(t.http).get('/account').set('Cookie', `kb_sid=${first}`).expect(200);
    const before = await agent.get('/account');
    const again = await agent.post('/login').type('form').send({ email: client.email, password: client.password, _csrf: csrfFrom(before.text) });
    expect(again.status).toBe(303);
    const second = /kb_sid=([^;]+)/.exec(String(again.headers['set-cookie']))![1];
    expect(second).not.toBe(first);
    await request(t.http).get('/account').set('Cookie', `kb_sid=${first}`).expect(303);

    const account = await agent.get('/account').expect(200);
    expect(account.text).toContain('My products');
    expect(account.headers['cache-control']).toBe('no-store');

    const out = await agent.post('/logout').type('form').send({ _csrf: csrfFrom(account.text) });
    expect(out.status).toBe(303);
    expect((await agent.get('/account')).status).toBe(303);
  });

  it('shows wrong credentials on the form with the email kept and no password echoed', async () => {
    const agent = request.agent(t.http);
    const res = await formPost(agent, '/login', '/login', { email: 'nobody@example.com', password: 'wrong-password-1' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('Wrong email or password');
    expect(res.text).toContain('value="nobody@example.com"');
    expect(res.text).not.toContain('wrong-password-1');
  });

  it('guards /admin for staff roles and /account for clients', async () => {
    const client = await createUser(t);
    const staff = await createUser(t, { role: 'staff' });
    await request(t.http).get('/admin').expect(303).expect('Location', '/login?next=%2Fadmin');
    await request(t.http).get('/account').expect(303).expect('Location', '/login?next=%2Faccount');

    const c = await loginAgent(t, client.email, client.password);
    expect((await c.get('/admin')).status).toBe(403);
    expect((await c.get('/admin/outbox')).status).toBe(403);
    await c.get('/account').expect(200);

    const s = await loginAgent(t, staff.email, staff.password);
    await s.get('/admin').expect(200);
    await s.get('/account').expect(303).expect('Location', '/admin');
  });

  it('links every dashboard card to the page listing what it counts, and has Orders in the staff nav', async () => {
    const client = await createUser(t);
    const staff = await createUser(t, { role: 'staff' });
    const s = await loginAgent(t, staff.email, staff.password);
    const home = (await s.get('/admin').expect(200)).text;
    const cards = [...home.matchAll(/<a class="stat" href="([^"]+)"><span class="num">(\d+)<\/span>/g)].map((m) => m[1]);
    expect(cards).toEqual(['/admin/clients', '/admin/users?role=team', '/admin/outbox?status=pending', '/admin/outbox?status=failed']);
    for (const href of cards) await s.get(href).expect(200);
    expect((await s.get('/admin/clients').expect(200)).text).toContain(client.email);
    const team = (await s.get('/admin/users?role=team').expect(200)).text;
    expect(team).toContain(staff.email);
    expect(team).not.toContain(client.email);
    expect(team).toContain('<option value="team" selected>All staff</option>');

    expect(home).toMatch(/<a href="\/admin\/orders"\s*>/);
    expect((await s.get('/admin/orders').expect(200)).text).toContain('<a href="/admin/orders" aria-current="page">');
  });

  it('renders 404 pages without internals and JSON 404s on the API', async () => {
    const page = await request(t.http).get('/no-such-page').set('Accept', 'text/html');
    expect(page.status).toBe(404);
    expect(page.text).toContain('<html');
    expect(page.text).not.toMatch(/at \w+ \(/);
    const api = await request(t.http).get('/api/admin/nothing');
    expect(api.status).toBe(404);
    expect(api.body).toEqual({ error: { code: 'not_found', message: expect.any(String), details: expect.any(Object) } });
  });

  it('switches language by cookie, Accept-Language and user setting', async () => {
    const ru = await request(t.http).get('/login').set('Accept-Language', 'ru-RU,ru;q=0.9,en;q=0.5');
    expect(ru.text).toContain('<html lang="ru">');
    expect(ru.text).toContain('Вход');
    const en = await request(t.http).get('/login').set('Accept-Language', 'de,en;q=0.8');
    expect(en.text).toContain('<html lang="en">');

    const agent = request.agent(t.http);
    const page = await agent.get('/login').set('Accept-Language', 'en');
    await agent.post('/locale').type('form').send({ locale: 'ru', back: '/login', _csrf: csrfFrom(page.text) }).expect(303);
    expect((await agent.get('/login').set('Accept-Language', 'en')).text).toContain('Вход');

    const user = await createUser(t, { locale: 'ru' });
    const logged = await loginAgent(t, user.email, user.password, { 'Accept-Language': 'en' });
    expect((await logged.get('/account')).text).toContain('Мои продукты');
  });
});

describe('first-run setup under concurrency', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates exactly one owner when several browsers submit /setup at once', async () => {
    const agents = Array.from({ length: 6 }, () => request.agent(t.http));
    const tokens = await Promise.all(agents.map(async (a) => csrfFrom((await a.get('/setup').expect(200)).text)));
    const results = await Promise.all(
      agents.map((a, i) =>
        a.post('/setup').type('form').send({ email: `owner${i}@example.com`, password: DEFAULT_PASSWORD, confirm: DEFAULT_PASSWORD, _csrf: tokens[i] }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    // the others learn that setup is done (403 while they raced, 404 once it was visible), never a 500
    for (const s of statuses.filter((s) => s !== 303)) expect([403, 404]).toContain(s);
    const owners = await t.db.manager.query(`SELECT email FROM users WHERE role = 'owner'`);
    expect(owners).toHaveLength(1);
  });
});
