import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { Session } from '../../src/auth/entities/session.entity';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { Actor } from '../../src/audit/actor';
import { BansRepository } from '../../src/bans/bans.repository';
import { BansService } from '../../src/bans/bans.service';
import { Ban } from '../../src/bans/entities/ban.entity';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { Order } from '../../src/members/orders/entities/order.entity';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { User } from '../../src/users/entities/user.entity';
import { createList } from '../factories/mailing';
import { createProduct } from '../factories/members';
import { orderWebhook } from '../factories/orders';
import { createUser } from '../factories/users';
import { outboxFor } from '../utils/outbox';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const SECRET = 'webhook-secret-0123456789';
const tag = () => randomBytes(4).toString('hex');
const DAY = 86400_000;

describe('bans: the identity key, enforcement at every point, the admin pages and the API', () => {
  let t: TestApp;
  let adminAgent: Agent;
  let actor: Actor;
  let apiKey: string;
  let bans: BansService;

  const banNow = (cmd: Parameters<BansService['banNow']>[1]) => bans.banNow(actor, cmd);
  const active = async (email: string) => (await bans.findActive(email)) !== null;
  const api = (method: 'get' | 'post' | 'delete', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${apiKey}`);
  const webhook = (body: Record<string, unknown>) => orderWebhook(t, SECRET, body);
  const paid = (email: string, product: string) => ({
    event: 'order.paid',
    orderId: `ord-${tag()}`,
    email,
    name: 'Buyer',
    product,
    amount: '1990.00',
    currency: 'RUB',
    paidAt: '2026-11-20T10:00:00Z',
  });

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_SECRET: SECRET, TRUST_PROXY: 'true' } });
    const admin = await createUser(t, { role: 'admin' });
    adminAgent = await loginAgent(t, admin.email, admin.password);
    actor = { userId: admin.id, label: admin.email, ip: '' };
    apiKey = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'bans')).key;
    bans = t.app.get(BansService);
  });
  afterAll(() => t.close());

  it('keeps users.email_key in step with the address on create', async () => {
    const k = tag();
    const u = await createUser(t, { email: `J.Doe${k}+Shop@GoogleMail.com` });
    const stored = await t.db.manager.findOneByOrFail(User, { id: u.id });
    expect(stored.email).toBe(`j.doe${k}+shop@googlemail.com`);
    expect(stored.emailKey).toBe(`jdoe${k}@gmail.com`);
  });

  it('catches Gmail dot, +tag, googlemail and case variants, Yandex, iCloud and Outlook variants, and lets merely similar addresses through', async () => {
    const k = tag();
    await banNow({ email: `jdoe${k}@gmail.com`, reason: 'abusive messages' });
    expect(await active(`J.Doe${k}+x@GoogleMail.com`)).toBe(true);
    expect(await active(` JDOE${k}@gmail.com `)).toBe(true);
    expect(await active(`j.d.o.e${k}@gmail.com`)).toBe(true);
    expect(await active(`jdoe${k}1@gmail.com`)).toBe(false);
    expect(await active(`jdoe${k}@gmail.co`)).toBe(false);

    await banNow({ email: `jdoe${k}@example.com`, reason: 'chargebacks' });
    expect(await active(`JDoe${k}@Example.com`)).toBe(true);
    expect(await active(`j.doe${k}@example.com`)).toBe(false); // dots count outside Gmail
    expect(await active(`jdoe${k}+x@example.com`)).toBe(false); // and so do +tags

    await banNow({ email: `ivan-${k}@yandex.ru`, reason: 'x' });
    expect(await active(`Ivan.${k}+shop@ya.ru`)).toBe(true);
    expect(await active(`ivan-${k}@yandex.com`)).toBe(true);
    expect(await active(`ivan${k}@yandex.ru`)).toBe(false);

    await banNow({ email: `anna${k}@icloud.com`, reason: 'x' });
    expect(await active(`Anna${k}+promo@me.com`)).toBe(true);
    expect(await active(`anna${k}@mac.com`)).toBe(true);
    expect(await active(`anna.${k}@icloud.com`)).toBe(false);

    await banNow({ email: `bob${k}@outlook.com`, reason: 'x' });
    expect(await active(`Bob${k}+tag@Outlook.com`)).toBe(true);
    expect(await active(`bob${k}@hotmail.com`)).toBe(false); // another mailbox
    expect(await active(`b.ob${k}@outlook.com`)).toBe(false);
  });

  it('a domain ban holds for every address at the domain, and only there', async () => {
    const d = `spam-${tag()}.example`;
    await banNow({ domain: d, reason: 'a spam farm' });
    expect(await active(`anyone@${d.toUpperCase()}`)).toBe(true);
    expect(await active(`anyone@not${d}`)).toBe(false);
    expect(await active(`anyone@${d}.org`)).toBe(false);
  });

  it('an expired ban is not enforced; a ban with a future end is', async () => {
    const k = tag();
    const { ban } = await banNow({ email: `exp${k}@example.com`, reason: 'x', expiresAt: new Date(Date.now() + DAY) });
    expect(await active(`exp${k}@example.com`)).toBe(true);
    expect(await bans.findActive(`exp${k}@example.com`, new Date(Date.now() + 2 * DAY))).toBeNull();
    // Really expired: it no longer stops a login or a purchase.
    const u = await createUser(t, { email: `exp2${k}@example.com` });
    await banNow({ email: u.email, reason: 'x', expiresAt: new Date(Date.now() + DAY) });
    await t.db.write((m) => m.update(Ban, { emailKey: u.email }, { expiresAt: new Date(Date.now() - 1000) }));
    await loginAgent(t, u.email, u.password);
    const list = await adminAgent.get('/admin/bans?state=expired').expect(200);
    expect(list.text).toContain(u.email);
    expect(ban.state).toBe('active');
  });

  it('login: a banned identity cannot log in (403, polite, no reason); its open sessions ended when the ban was made', async () => {
    const k = tag();
    const u = await createUser(t, { email: `jdoe${k}@gmail.com` });
    const similar = await createUser(t, { email: `jdoe${k}1@gmail.com` });
    const phone = await loginAgent(t, u.email, u.password);
    const laptop = await loginAgent(t, u.email, u.password);
    const other = await loginAgent(t, similar.email, similar.password);
    await phone.get('/account').expect(200);
    expect(await t.db.manager.countBy(Session, { userId: u.id })).toBe(2);

    const res = await formPost(adminAgent, '/admin/bans/new', '/admin/bans', { target: `J.Doe${k}+x@GoogleMail.com`, reason: 'secret-reason-' + k, expiresAt: '' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/admin\/bans\/\d+\?done=banned$/);
    expect(await t.db.manager.countBy(Session, { userId: u.id })).toBe(0);
    await phone.get('/account').expect(303);
    await laptop.get('/account').expect(303);
    await other.get('/account').expect(200);

    const agent = request.agent(t.http);
    const login = await formPost(agent, '/login', '/login', { email: `JDOE${k}@gmail.com`, password: u.password });
    expect(login.status).toBe(403);
    expect(login.text).toContain('can no longer be used to sign in');
    expect(login.text).not.toContain('secret-reason');
    // The wrong password says what it always says: the form is no oracle of bans.
    const wrong = await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: 'not the password at all' });
    expect(wrong.status).toBe(401);
    await loginAgent(t, similar.email, similar.password);

    const audit = await t.db.manager.findOneByOrFail(AuditEntry, { action: 'ban.create', subjectId: String(u.id) });
    expect(JSON.parse(audit.summary)).toMatchObject({ name: `jdoe${k}@gmail.com`, sessionsEnded: 2 });
  });

  it('password reset: no mail for a banned identity, and the same answer as for an unknown address', async () => {
    const k = tag();
    const u = await createUser(t, { email: `reset${k}@gmail.com` });
    await banNow({ email: `re.set${k}@gmail.com`, reason: 'x' });
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '').replace(/nonce="[^"]+"/g, '');
    const banned = await formPost(request.agent(t.http), '/password/forgot', '/password/forgot', { email: `Reset${k}+a@gmail.com` });
    const unknown = await formPost(request.agent(t.http), '/password/forgot', '/password/forgot', { email: `nobody${k}@gmail.com` });
    expect(banned.status).toBe(200);
    expect(unknown.status).toBe(200);
    expect(strip(banned.text)).toBe(strip(unknown.text));
    expect(await outboxFor(t, u.email)).toEqual([]);
  });

  it('the order webhook stores an order from a banned identity as held: no grant, no welcome; release grants, decline does not', async () => {
    const k = tag();
    const product = await createProduct(t);
    await banNow({ email: `buyer${k}@gmail.com`, reason: 'x' });
    const first = await webhook(paid(`B.U.Y.E.R${k}+promo@googlemail.com`, product.slug));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'held', grantId: null });
    const order = await t.db.manager.findOneByOrFail(Order, { id: first.body.orderId });
    expect(order.status).toBe('held');
    expect(await t.db.manager.countBy(Grant, { clientId: first.body.clientId })).toBe(0);
    const buyer = await t.db.manager.findOneByOrFail(User, { id: first.body.clientId });
    expect(await outboxFor(t, buyer.email)).toEqual([]);
    // a repeat of the same order is held still, nothing more
    const again = await webhook({ ...paid('x@example.com', product.slug), orderId: order.externalId, email: buyer.email });
    expect(again.body).toMatchObject({ status: 'held', orderId: order.id });
    // a similar address buys as usual
    const ok = await webhook(paid(`buyer${k}1@gmail.com`, product.slug));
    expect(ok.body.status).toBe('ok');
    expect(ok.body.grantId).toEqual(expect.any(Number));

    const list = await adminAgent.get('/admin/orders?status=held').expect(200);
    expect(list.text).toContain(order.externalId);
    expect(list.text).toContain('The buyer is banned');
    expect(list.text).not.toContain(`buyer${k}1@gmail.com`);
    const rel = await adminAgent.post(`/admin/orders/${order.id}/release`).type('form').send({ _csrf: csrfFrom(list.text) });
    expect(rel.status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Order, { id: order.id })).status).toBe('paid');
    expect(await t.db.manager.countBy(Grant, { clientId: buyer.id, productId: product.id })).toBe(1);
    expect((await outboxFor(t, buyer.email)).map((m) => m.template)).toEqual(['welcome']);
    const twice = await adminAgent.post(`/admin/orders/${order.id}/release`).type('form').send({ _csrf: csrfFrom(list.text) });
    expect(twice.status).toBe(409);
    expect(await t.db.manager.countBy(Grant, { clientId: buyer.id, productId: product.id })).toBe(1);

    const second = await webhook(paid(`buyer${k}@gmail.com`, product.slug));
    expect(second.body.status).toBe('held');
    const dec = await adminAgent.post(`/admin/orders/${second.body.orderId}/decline`).type('form').send({ _csrf: csrfFrom(list.text) });
    expect(dec.status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Order, { id: second.body.orderId })).status).toBe('declined');
    // another spelling of the same identity is another account, held all the same
    expect(await t.db.manager.countBy(AuditEntry, { action: 'order.held', subjectId: String(buyer.id) })).toBe(1);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'order.held', subjectId: String(second.body.clientId) })).toBe(1);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'order.declined', subjectId: String(second.body.clientId) })).toBe(1);
    expect(await t.db.manager.countBy(Grant, { clientId: second.body.clientId })).toBe(0);

    const staff = await createUser(t, { role: 'staff' });
    const s = await loginAgent(t, staff.email, staff.password);
    const page = await s.get('/admin/orders?status=held').expect(200);
    expect(page.text).not.toContain('data-test="release"');
    expect((await s.post(`/admin/orders/${second.body.orderId}/release`).type('form').send({ _csrf: csrfFrom(page.text) })).status).toBe(403);
  });

  it('subscribe form: a banned identity is refused politely with 403 and nothing is stored; a similar address subscribes', async () => {
    const k = tag();
    const list = await createList(t, { isPublic: true, optIn: 'single' });
    await banNow({ email: `sub${k}@gmail.com`, reason: 'private' });
    const post = (email: string) =>
      request(t.http).post('/subscribe').set('X-Forwarded-For', `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`).type('form').send({ email, lists: String(list.id), consent: 'yes' });
    const refused = await post(`S.U.B${k}+news@gmail.com`);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('cannot be used here');
    expect(refused.text).not.toContain('private');
    expect(await t.db.manager.countBy(Subscriber, { email: `s.u.b${k}+news@gmail.com` })).toBe(0);
    expect((await post(`sub${k}1@gmail.com`)).status).toBe(303);
  });

  it('client creation (admin form and API) refuses a banned identity with a clear 409; a similar address is created', async () => {
    const k = tag();
    await banNow({ email: `new${k}@gmail.com`, reason: 'x' });
    const form = await formPost(adminAgent, '/admin/clients/new', '/admin/clients', { email: `N.E.W${k}@gmail.com`, name: 'New' });
    expect(form.status).toBe(409);
    expect(form.text).toContain('This address is banned');
    const viaApi = await api('post', '/api/admin/clients').send({ email: `new${k}+x@googlemail.com` });
    expect(viaApi.status).toBe(409);
    expect(viaApi.body.error.code).toBe('bans.banned');
    expect((await api('post', '/api/admin/clients').send({ email: `new${k}1@gmail.com` })).status).toBe(201);
    expect(await t.db.manager.countBy(User, { emailKey: `new${k}@gmail.com` })).toBe(0);
  });

  it('CSV import refuses a banned identity\'s row with a remark, in the dry run and for real', async () => {
    const k = tag();
    const existing = await createUser(t, { email: `imp${k}@yandex.ru` });
    await banNow({ email: `imp${k}@ya.ru`, reason: 'x' });
    await banNow({ email: `csv${k}@gmail.com`, reason: 'x' });
    const csv = ['email,name,product,expires', `C.S.V${k}+a@gmail.com,Banned,,`, `imp${k}@yandex.com,Existing,,`, `csv${k}1@gmail.com,Similar,,`].join('\n');
    for (const dryRun of [true, false]) {
      const page = await adminAgent.get('/admin/clients/import').expect(200);
      const req = adminAgent.post('/admin/clients/import').field('_csrf', csrfFrom(page.text));
      if (dryRun) req.field('dryRun', '1');
      const res = await req.attach('file', Buffer.from(csv), { filename: 'c.csv', contentType: 'text/csv' });
      expect(res.status).toBe(200);
      const rows = [...res.text.matchAll(/data-row="(\d+)">((?:(?!<\/tr>)[^])*)<\/tr>/g)];
      const banned = rows.filter((m) => m[2].includes('data-problem="banned"')).map((m) => Number(m[1]));
      expect(banned).toEqual([2, 3]);
    }
    expect(await t.db.manager.countBy(User, { emailKey: `csv${k}@gmail.com` })).toBe(0);
    expect(await t.db.manager.countBy(User, { emailKey: `csv${k}1@gmail.com` })).toBe(1);
    expect(existing.id).toBeGreaterThan(0);
  });

  it('a ban survives anonymisation: with the address and key columns cleared, the HMAC still matches the same person signing up again', async () => {
    const k = tag();
    const product = await createProduct(t);
    const u = await createUser(t, { email: `anon${k}@gmail.com` });
    const { ban } = await banNow({ email: u.email, reason: 'x' });
    // what anonymisation does: the address and both key columns go
    await t.db.transaction(async (m) => {
      await m.update(User, { id: u.id }, { email: `deleted-${u.id}@anonymised.invalid`, emailKey: null, name: '' });
      await t.app.get(BansRepository).clearKeysFor(m, (await m.findOneByOrFail(Ban, { id: ban.id })).keyHmac);
    });
    const stored = await t.db.manager.findOneByOrFail(Ban, { id: ban.id });
    expect(stored.emailKey).toBeNull();
    expect(JSON.stringify(stored)).not.toContain(`anon${k}`);
    expect(await active(`A.Non${k}+again@gmail.com`)).toBe(true);
    const signup = await webhook(paid(`a.non${k}@gmail.com`, product.slug));
    expect(signup.body.status).toBe('held');
    expect((await api('post', '/api/admin/clients').send({ email: `anon${k}+2@gmail.com` })).status).toBe(409);
    const page = await adminAgent.get(`/admin/bans/${ban.id}`).expect(200);
    expect(page.text).toContain('(anonymised)');
  });

  it('the Bans pages: list with filters, one ban with its history, lift with a reason; staff may look but not ban', async () => {
    const k = tag();
    const u = await createUser(t, { email: `lift${k}@gmail.com` });
    const res = await formPost(adminAgent, '/admin/bans/new', '/admin/bans', { target: u.email, reason: 'first ban ' + k, expiresAt: '' });
    const id = Number(/\/admin\/bans\/(\d+)/.exec(res.headers.location)![1]);
    const show = await adminAgent.get(`/admin/bans/${id}?done=banned`).expect(200);
    expect(show.text).toContain('first ban ' + k);
    expect(show.text).toContain('data-test="lift-form"');
    const noReason = await adminAgent.post(`/admin/bans/${id}/lift`).type('form').send({ _csrf: csrfFrom(show.text), liftReason: '' });
    expect(noReason.status).toBe(400);
    const lifted = await adminAgent.post(`/admin/bans/${id}/lift`).type('form').send({ _csrf: csrfFrom(show.text), liftReason: 'talked it over' });
    expect(lifted.status).toBe(303);
    expect(await active(u.email)).toBe(false);
    await loginAgent(t, u.email, u.password);
    const again = await adminAgent.post(`/admin/bans/${id}/lift`).type('form').send({ _csrf: csrfFrom(show.text), liftReason: 'again' });
    expect(again.status).toBe(409);
    // banned again: a new row, and both are the identity's history
    const { ban: second } = await banNow({ email: `l.i.f.t${k}@gmail.com`, reason: 'second ban ' + k });
    const hist = await adminAgent.get(`/admin/bans/${second.id}`).expect(200);
    expect(hist.text).toContain('first ban ' + k);
    expect(hist.text).toContain('talked it over');

    expect((await adminAgent.get(`/admin/bans?state=lifted&q=lift${k}`).expect(200)).text).toContain(`data-ban="${id}"`);
    const activeList = (await adminAgent.get(`/admin/bans?state=active&q=lift${k}`).expect(200)).text;
    expect(activeList).toContain(`data-ban="${second.id}"`);
    expect(activeList).not.toContain(`data-ban="${id}"`);
    expect((await adminAgent.get('/admin/bans?state=bogus')).status).toBe(400);
    expect((await adminAgent.get('/admin/bans/999999')).status).toBe(404);

    const bad = await formPost(adminAgent, '/admin/bans/new', '/admin/bans', { target: 'not a domain', reason: '', expiresAt: '2001-01-01' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a domain such as example.com');
    const dup = await formPost(adminAgent, '/admin/bans/new', '/admin/bans', { target: `lift${k}+x@gmail.com`, reason: 'x', expiresAt: '' });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('banned already');

    const staff = await createUser(t, { role: 'staff' });
    const s = await loginAgent(t, staff.email, staff.password);
    const list = await s.get('/admin/bans').expect(200);
    expect(list.text).not.toContain('data-test="new-ban"');
    expect((await s.get('/admin/bans/new')).status).toBe(403);
    expect((await s.post('/admin/bans').type('form').send({ _csrf: csrfFrom(list.text), target: 'x@example.com', reason: 'x' })).status).toBe(403);
    // a ban never covers staff: not the address, not the domain
    const staffBan = await formPost(adminAgent, '/admin/bans/new', '/admin/bans', { target: staff.email, reason: 'x', expiresAt: '' });
    expect(staffBan.status).toBe(409);
    expect((await formPost(adminAgent, '/admin/bans/new', '/admin/bans', { target: 'example.com', reason: 'x', expiresAt: '' })).status).toBe(409);
    const publicForm = await formPost(adminAgent, '/admin/bans/new', '/admin/bans', { target: 'gmail.com', reason: 'x', expiresAt: '' });
    expect(publicForm.status).toBe(400);
    expect(publicForm.text).toContain('public mail service');
    expect(publicForm.text).toContain('value="gmail.com"');
  });

  it('the API lists, creates and lifts bans', async () => {
    const k = tag();
    expect((await request(t.http).get('/api/admin/bans')).status).toBe(401);
    const created = await api('post', '/api/admin/bans').send({ email: `API${k}+x@GoogleMail.com`, reason: 'api reason', expiresAt: '2099-01-31' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'address', target: `api${k}@gmail.com`, state: 'active', reason: 'api reason' });
    expect((await api('post', '/api/admin/bans').send({ email: `api${k}@gmail.com`, domain: 'x.example', reason: 'x' })).status).toBe(400);
    expect((await api('post', '/api/admin/bans').send({ reason: 'x' })).status).toBe(400);
    // a public mail service is never banned as a whole domain: that would block everyone who uses it
    for (const domain of ['gmail.com', '@Yandex.ru', 'outlook.com']) {
      const publicDomain = await api('post', '/api/admin/bans').send({ domain, reason: 'x' });
      expect(publicDomain.status).toBe(400);
      expect(publicDomain.body.error.details.fields.domain).toMatch(/public mail service/);
    }
    expect(await t.db.manager.countBy(Ban, { kind: 'domain', emailKey: 'gmail.com' })).toBe(0);
    const listed = await api('get', `/api/admin/bans?state=active&q=api${k}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((b: { id: number }) => b.id)).toEqual([created.body.id]);
    const lifted = await api('delete', `/api/admin/bans/${created.body.id}`).send({ reason: 'done' });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toMatchObject({ state: 'lifted', liftReason: 'done' });
    expect((await api('delete', `/api/admin/bans/${created.body.id}`).send({ reason: 'done' })).status).toBe(409);
    expect((await api('get', `/api/admin/bans?state=lifted&q=api${k}`)).body.total).toBe(1);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'ban.lift' })).toBeGreaterThan(0);
  });

  it('ban() is idempotent for one offboarding case and refuses a second ban of the same identity otherwise', async () => {
    const k = tag();
    const a = await banNow({ email: `case${k}@gmail.com`, reason: 'x', caseId: 42 });
    const b = await banNow({ email: `c.ase${k}@gmail.com`, reason: 'x', caseId: 42 });
    expect(b).toMatchObject({ created: false, ban: { id: a.ban.id } });
    await expect(banNow({ email: `case${k}@gmail.com`, reason: 'x', caseId: 43 })).rejects.toMatchObject({ code: 'bans.already_banned' });
    expect(await t.db.manager.countBy(Ban, { emailKey: `case${k}@gmail.com` })).toBe(1);
  });
});
