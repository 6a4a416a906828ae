import { createHmac, randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { SYSTEM_ACTOR } from '../../src/audit/actor';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { GrantEvent } from '../../src/members/access/entities/grant-event.entity';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { GrantsService } from '../../src/members/access/grants.service';
import { Order } from '../../src/members/orders/entities/order.entity';
import { User } from '../../src/users/entities/user.entity';
import { createUser } from '../factories/users';
import { linkIn, outboxFor } from '../utils/outbox';
import { createProduct, FACTORY_ACTOR, grantAccess } from '../factories/members';
import { csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const SECRET = 'webhook-secret-0123456789';
const DAY = 86400_000;

function sign(raw: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
}

function paid(o: Record<string, unknown> = {}) {
  return {
    event: 'order.paid',
    orderId: `ord-${randomBytes(6).toString('hex')}`,
    email: `buyer-${randomBytes(4).toString('hex')}@example.com`,
    name: 'Anna Buyer',
    product: 'x',
    amount: '1990.29',
    currency: 'RUB',
    paidAt: '2026-11-20T10:00:00Z',
    ...o,
  };
}

describe('order webhook, orders, welcome mail', () => {
  let t: TestApp;
  const post = (body: unknown, sig?: string | null) => {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(t.http).post('/webhooks/orders').set('Content-Type', 'application/json');
    if (sig !== null) req.set('X-Kabinet-Signature', sig ?? sign(raw));
    return req.send(raw);
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_SECRET: SECRET } });
  });
  afterAll(() => t.close());

  it('refuses a missing or wrong signature with 401, before reading the body', async () => {
    const p = await createProduct(t);
    const body = paid({ product: p.slug });
    expect((await post(body, null)).status).toBe(401);
    const wrong = await post(body, sign(JSON.stringify(body), 'another-secret-1234567'));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('orders.bad_signature');
    // signature of different bytes (same JSON, other spacing) does not count
    expect((await post(JSON.stringify(body, null, 1), sign(JSON.stringify(body)))).status).toBe(401);
    expect(await t.db.manager.countBy(Order, { externalId: body.orderId })).toBe(0);
  });

  it('answers 400 naming every bad field', async () => {
    const res = await post({ event: 'order.paid', orderId: '', email: 'nope', amount: '19.999', currency: 'rub', paidAt: 'yesterday', product: '' });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details.fields).sort()).toEqual(['amount', 'currency', 'email', 'orderId', 'paidAt', 'product']);
    const amounts = await Promise.all(['1e3', '-5', '1,00', '10.', ''].map((amount) => post(paid({ amount }))));
    for (const r of amounts) expect(Object.keys(r.body.error.details.fields)).toEqual(['amount']);
    expect((await post({ event: 'order.shipped', orderId: 'x' })).body.error.details.fields.event).toBeDefined();
    expect((await post(paid({ orderId: 'x'.repeat(192) }))).body.error.details.fields.orderId).toBeDefined();
    expect((await post('[1,2]')).status).toBe(400);
    expect((await post('{"broken": ')).status).toBe(400);
  });

  it('answers 400 for a signed body whose text is not one-line text (a lone surrogate, NUL, a line break), storing nothing', async () => {
    const p = await createProduct(t);
    const hostile = ['\ud800', 'a\u0000b', 'two\nlines', 'sep\u2028arator'];
    for (const v of hostile) {
      for (const field of ['orderId', 'name', 'product'] as const) {
        const body = paid({ product: p.slug, [field]: field === 'product' ? p.slug + v : v });
        const res = await post(body);
        expect({ field, v, status: res.status }).toEqual({ field, v, status: 400 });
        expect(Object.keys(res.body.error.details.fields)).toEqual([field]);
      }
    }
    expect(await t.db.manager.countBy(Order, { productId: p.id })).toBe(0);
  });

  it('answers 422 for an unknown product and for a refund of an unknown order', async () => {
    const res = await post(paid({ product: 'no-such-course' }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('orders.unknown_product');
    expect((await post({ event: 'order.refunded', orderId: 'never-seen' })).status).toBe(422);
  });

  it('creates a new client once: one order, one grant, one welcome mail whose link sets a password and logs in', async () => {
    const p = await createProduct(t);
    const body = paid({ product: p.slug, email: 'New.Buyer@Example.com' });
    const first = await post(body);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 'ok', orderId: expect.any(Number), clientId: expect.any(Number), grantId: expect.any(Number) });
    const again = await post(body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);

    const orders = await t.db.manager.findBy(Order, { externalId: body.orderId });
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ amountMinor: 199029, currency: 'RUB', status: 'paid', clientId: first.body.clientId });
    expect(orders[0].paidAt.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    const grants = await t.db.manager.findBy(Grant, { clientId: first.body.clientId });
    expect(grants).toHaveLength(1);
    expect(grants[0]).toMatchObject({ productId: p.id, source: 'purchase', endsAt: null, orderId: orders[0].id, revokedAt: null });
    const user = await t.db.manager.findOneByOrFail(User, { id: first.body.clientId });
    expect(user).toMatchObject({ email: 'new.buyer@example.com', role: 'client', name: 'Anna Buyer', passwordHash: null });
    const mails = await outboxFor(t, 'new.buyer@example.com');
    expect(mails).toHaveLength(1);
    expect(mails[0].template).toBe('welcome');
    expect(mails[0].subject).toBe(`Your access to ${p.title} is ready`);
    expect(mails[0].text).toContain('Thank you for your purchase.');
    const audit = await t.db.manager.findBy(AuditEntry, { action: 'order.paid' });
    expect(audit.some((a) => a.actorLabel === 'webhook' && a.subjectId === String(first.body.clientId))).toBe(true);

    const link = linkIn(mails[0].text, '/password/reset/');
    const agent = request.agent(t.http);
    const page = await agent.get(link).expect(200);
    const set = await agent.post(link).type('form').send({ password: 'my new long password', confirm: 'my new long password', _csrf: csrfFrom(page.text) });
    expect(set.status).toBe(303);
    const client = await loginAgent(t, 'new.buyer@example.com', 'my new long password');
    const mine = await client.get('/account/orders').expect(200);
    expect(mine.text).toContain(body.orderId);
    expect(mine.text).toContain(p.title);
    expect(mine.text).toMatch(/1[,.\s\u00a0]?990\.29/);
  });

  it('stays idempotent when the same order arrives several times at once', async () => {
    const p = await createProduct(t);
    const body = paid({ product: p.slug });
    const results = await Promise.all([post(body), post(body), post(body)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(await t.db.manager.countBy(Order, { externalId: body.orderId })).toBe(1);
    expect(await t.db.manager.countBy(Grant, { clientId: results[0].body.clientId })).toBe(1);
    expect(await outboxFor(t, body.email)).toHaveLength(1);
    expect(await t.db.manager.countBy(User, { email: body.email })).toBe(1);
    const order = await t.db.manager.findOneByOrFail(Order, { externalId: body.orderId });
    expect(JSON.parse(order.payload!)).toEqual(body);
  });

  it('gives an existing client just the grant, without a welcome mail', async () => {
    const p = await createProduct(t);
    const c = await createUser(t);
    const res = await post(paid({ product: p.slug, email: c.email.toUpperCase() }));
    expect(res.status).toBe(200);
    expect(res.body.clientId).toBe(c.id);
    expect(await t.db.manager.countBy(Grant, { clientId: c.id, productId: p.id })).toBe(1);
    expect(await outboxFor(t, c.email)).toHaveLength(0);
    const staff = await createUser(t, { role: 'admin' });
    expect((await post(paid({ product: p.slug, email: staff.email }))).status).toBe(422);
  });

  it('ends the grant on refund when the product says so, and not otherwise; a repeated refund changes nothing', async () => {
    const ending = await createProduct(t, { endGrantOnRefund: true });
    const keeping = await createProduct(t, { endGrantOnRefund: false });
    const c = await createUser(t);
    const a = paid({ product: ending.slug, email: c.email });
    const b = paid({ product: keeping.slug, email: c.email });
    const ra = (await post(a).expect(200)).body;
    const rb = (await post(b).expect(200)).body;
    const refundA = await post({ event: 'order.refunded', orderId: a.orderId });
    expect(refundA.status).toBe(200);
    expect(refundA.body).toEqual(ra);
    expect((await post({ event: 'order.refunded', orderId: a.orderId })).status).toBe(200);
    await post({ event: 'order.refunded', orderId: b.orderId }).expect(200);

    const ga = await t.db.manager.findOneByOrFail(Grant, { id: ra.grantId });
    expect(ga.revokedAt).toBeInstanceOf(Date);
    expect(ga.reason).toBe('refund');
    const gb = await t.db.manager.findOneByOrFail(Grant, { id: rb.grantId });
    expect(gb.revokedAt).toBeNull();
    const oa = await t.db.manager.findOneByOrFail(Order, { externalId: a.orderId });
    expect(oa.status).toBe('refunded');
    expect(oa.refundedAt).toBeInstanceOf(Date);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'grant.revoke', subjectId: String(c.id) })).toBe(1);
  });

  it('a refund undoes an extension: the grant goes back to the end it had before the purchase', async () => {
    const p = await createProduct(t, { endGrantOnRefund: true });
    const c = await createUser(t);
    const keyEnd = new Date(Date.now() + 10 * DAY);
    const g = await grantAccess(t, c.id, p.id, { endsAt: keyEnd, source: 'key' });
    const order = paid({ product: p.slug, email: c.email });
    const res = (await post(order).expect(200)).body;
    expect(res.grantId).toBe(g.id);
    expect((await t.db.manager.findOneByOrFail(Grant, { id: g.id })).endsAt).toBeNull();
    expect(await t.db.manager.countBy(Grant, { clientId: c.id, productId: p.id })).toBe(1);
    // a repeated delivery still names the grant the order extended
    expect((await post(order).expect(200)).body).toEqual(res);

    const refund = await post({ event: 'order.refunded', orderId: order.orderId }).expect(200);
    expect(refund.body.grantId).toBe(g.id);
    const after = await t.db.manager.findOneByOrFail(Grant, { id: g.id });
    expect(after.revokedAt).toBeNull();
    expect(Math.abs(after.endsAt!.getTime() - keyEnd.getTime())).toBeLessThan(1000); // MySQL keeps whole seconds
    const events = await t.db.manager.find(GrantEvent, { where: { grantId: g.id }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.kind, e.endsAtAfter === null ? 'forever' : 'dated', e.reason])).toEqual([
      ['created', 'dated', null],
      ['extended', 'forever', `order #${res.orderId}`],
      ['extended', 'dated', 'refund'],
    ]);
    const audit = await t.db.manager.findOneByOrFail(AuditEntry, { action: 'order.refunded', subjectId: String(c.id) });
    expect(JSON.parse(audit.summary)).toMatchObject({ after: { grantEnded: false, grantChanges: [{ grantId: g.id, revoked: false }] } });
    // the client still gets in until the old end
    const agent = await loginAgent(t, c.email, c.password);
    await agent.get(`/account/products/${p.slug}`).expect(200);
  });

  it('a refund takes back exactly the extension its order made, found by the order id and not by the text; other extensions stay', async () => {
    const p = await createProduct(t, { endGrantOnRefund: true });
    const c = await createUser(t);
    const staffExtend = (grantId: number, endsAt: Date, reason: string) => t.db.transaction((m) => t.app.get(GrantsService).extend(m, FACTORY_ACTOR, grantId, endsAt, reason));
    const endOf = async (id: number) => (await t.db.manager.findOneByOrFail(Grant, { id })).endsAt;
    const near = (a: Date | null, b: Date) => Math.abs(a!.getTime() - b.getTime()) < 1000; // MySQL keeps whole seconds
    const g = await grantAccess(t, c.id, p.id, { endsAt: new Date(Date.now() + 10 * DAY), source: 'key' });
    const goodwill = new Date(Date.now() + 20 * DAY);
    await staffExtend(g.id, goodwill, 'goodwill');

    const first = paid({ product: p.slug, email: c.email });
    const r1 = (await post(first).expect(200)).body;
    expect(r1.grantId).toBe(g.id);
    expect(await endOf(g.id)).toBeNull();
    const byOrder = await t.db.manager.findOneByOrFail(GrantEvent, { grantId: g.id, orderId: r1.orderId });
    expect(byOrder).toMatchObject({ kind: 'extended', endsAtAfter: null, reason: `order #${r1.orderId}` });
    // the text is for people: rewording it changes nothing for the refund
    await t.db.write((m) => m.update(GrantEvent, { id: byOrder.id }, { reason: 'Purchase' }));
    await post({ event: 'order.refunded', orderId: first.orderId }).expect(200);
    expect(near(await endOf(g.id), goodwill)).toBe(true); // not back to the key's end: the goodwill extension stays

    // a later purchase and its refund: back to the end staff set between the two, not to the one before the first
    const later = new Date(Date.now() + 30 * DAY);
    await staffExtend(g.id, later, 'a second goodwill');
    const second = paid({ product: p.slug, email: c.email });
    const r2 = (await post(second).expect(200)).body;
    expect(r2.grantId).toBe(g.id);
    await post({ event: 'order.refunded', orderId: second.orderId }).expect(200);
    const after = await t.db.manager.findOneByOrFail(Grant, { id: g.id });
    expect(after.revokedAt).toBeNull();
    expect(near(after.endsAt, later)).toBe(true);
    const events = await t.db.manager.find(GrantEvent, { where: { grantId: g.id }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.kind, e.reason, e.orderId])).toEqual([
      ['created', null, null],
      ['extended', 'goodwill', null],
      ['extended', 'Purchase', r1.orderId],
      ['extended', 'refund', null],
      ['extended', 'a second goodwill', null],
      ['extended', `order #${r2.orderId}`, r2.orderId],
      ['extended', 'refund', null],
    ]);
  });

  it('a staff extension whose reason only names an order is not taken back by its refund', async () => {
    const p = await createProduct(t, { endGrantOnRefund: true });
    const c = await createUser(t);
    const forever = await grantAccess(t, c.id, p.id, { endsAt: null, source: 'manual' });
    const key = await grantAccess(t, c.id, p.id, { endsAt: new Date(Date.now() + 10 * DAY), source: 'key' });
    // the order meets access for ever already, so it changes nothing
    const order = paid({ product: p.slug, email: c.email });
    const res = (await post(order).expect(200)).body;
    expect(res.grantId).toBe(forever.id);
    // staff extends the other grant and notes the order in the reason, in the very words a purchase uses
    const noted = new Date(Date.now() + 20 * DAY);
    await t.db.transaction((m) => t.app.get(GrantsService).extend(m, FACTORY_ACTOR, key.id, noted, `order #${res.orderId}`));
    await post({ event: 'order.refunded', orderId: order.orderId }).expect(200);
    const after = await t.db.manager.findOneByOrFail(Grant, { id: key.id });
    expect(after.revokedAt).toBeNull();
    expect(Math.abs(after.endsAt!.getTime() - noted.getTime())).toBeLessThan(1000);
    expect(await t.db.manager.findOneByOrFail(Grant, { id: forever.id })).toMatchObject({ revokedAt: null, endsAt: null });
  });

  it('a refund revokes an extended grant whose old end has passed meanwhile', async () => {
    const p = await createProduct(t, { endGrantOnRefund: true });
    const c = await createUser(t);
    const g = await grantAccess(t, c.id, p.id, { endsAt: new Date(Date.now() + DAY), source: 'manual' });
    const order = paid({ product: p.slug, email: c.email });
    await post(order).expect(200);
    // as if the day had gone by between the purchase and its refund
    await t.db.write((m) => m.update(GrantEvent, { grantId: g.id, kind: 'extended' }, { endsAtBefore: new Date(Date.now() - 1000) }));
    await post({ event: 'order.refunded', orderId: order.orderId }).expect(200);
    const after = await t.db.manager.findOneByOrFail(Grant, { id: g.id });
    expect(after.revokedAt).toBeInstanceOf(Date);
    expect(after.reason).toBe('refund');
  });

  it('two purchases of one product: the access ends only when the last paid one is refunded', async () => {
    const p = await createProduct(t, { endGrantOnRefund: true });
    const c = await createUser(t);
    const first = paid({ product: p.slug, email: c.email });
    const second = paid({ product: p.slug, email: c.email });
    const r1 = (await post(first).expect(200)).body;
    const r2 = (await post(second).expect(200)).body;
    // the access was already for ever: the second order points at the grant that gives it, now and on a repeat
    expect(r2.grantId).toBe(r1.grantId);
    expect((await post(second).expect(200)).body).toEqual(r2);
    expect(await t.db.manager.countBy(Grant, { clientId: c.id, productId: p.id })).toBe(1);

    await post({ event: 'order.refunded', orderId: first.orderId }).expect(200);
    expect((await t.db.manager.findOneByOrFail(Grant, { id: r1.grantId })).revokedAt).toBeNull();
    await post({ event: 'order.refunded', orderId: second.orderId }).expect(200);
    const g = await t.db.manager.findOneByOrFail(Grant, { id: r1.grantId });
    expect(g.revokedAt).toBeInstanceOf(Date);
    expect(g.reason).toBe('refund');
  });

  it('a refund leaves alone access that did not come from a purchase', async () => {
    const p = await createProduct(t, { endGrantOnRefund: true });
    const c = await createUser(t);
    const g = await grantAccess(t, c.id, p.id, { endsAt: null, source: 'manual' });
    const order = paid({ product: p.slug, email: c.email });
    await post(order).expect(200);
    await post({ event: 'order.refunded', orderId: order.orderId }).expect(200);
    const after = await t.db.manager.findOneByOrFail(Grant, { id: g.id });
    expect(after).toMatchObject({ revokedAt: null, endsAt: null });
    expect(await t.db.manager.countBy(Grant, { clientId: c.id })).toBe(1);
  });

  it('shows orders only to their client, and lists them for admin and the API', async () => {
    const p = await createProduct(t);
    const ann = await createUser(t);
    const bob = await createUser(t);
    const annOrder = paid({ product: p.slug, email: ann.email });
    const ra = (await post(annOrder).expect(200)).body;
    await post(paid({ product: p.slug, email: bob.email })).expect(200);

    const bobAgent = await loginAgent(t, bob.email, bob.password);
    const bobPage = await bobAgent.get('/account/orders').expect(200);
    expect(bobPage.text).not.toContain(annOrder.orderId);
    const annPage = await (await loginAgent(t, ann.email, ann.password)).get('/account/orders').expect(200);
    expect(annPage.text).toContain(annOrder.orderId);
    expect((await request(t.http).get('/account/orders')).status).toBe(303);

    const admin = await createUser(t, { role: 'admin' });
    const adminAgent = await loginAgent(t, admin.email, admin.password);
    const list = await adminAgent.get(`/admin/orders?email=${encodeURIComponent(ann.email)}`).expect(200);
    expect(list.text).toContain(annOrder.orderId);
    expect(list.text).not.toContain(bob.email);
    expect((await adminAgent.get(`/admin/orders?product=${p.slug}`).expect(200)).text).toContain(bob.email);
    expect((await bobAgent.get('/admin/orders')).status).toBe(403);

    const { key } = await t.app.get(ApiKeysService).create(SYSTEM_ACTOR, 'orders-test');
    const api = (url: string) => request(t.http).get(url).set('Authorization', `Bearer ${key}`);
    const byClient = await api(`/api/admin/orders?clientId=${ann.id}`).expect(200);
    expect(byClient.body.total).toBe(1);
    expect(byClient.body.items[0]).toEqual({
      id: ra.orderId,
      externalId: annOrder.orderId,
      clientId: ann.id,
      clientEmail: ann.email,
      productId: p.id,
      productSlug: p.slug,
      productTitle: p.title,
      status: 'paid',
      amountMinor: 199029,
      amount: '1990.29',
      currency: 'RUB',
      amountDisplay: expect.any(String),
      paidAt: '2026-11-20T10:00:00.000Z',
      refundedAt: null,
      refunds: [],
    });
    expect(byClient.body.items[0]).not.toHaveProperty('payload');
    const page = await api('/api/admin/orders?limit=1&offset=0').expect(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBeGreaterThanOrEqual(2);
    const bad = await api('/api/admin/orders?clientId=abc&limit=0');
    expect(bad.status).toBe(400);
    expect((await request(t.http).get('/api/admin/orders')).status).toBe(401);
    const doc = await request(t.http).get('/api/docs-json').expect(200);
    expect(doc.body.paths['/api/admin/orders'].get).toBeDefined();
    expect(doc.body.components.schemas.OrderResponse.properties.amountMinor).toBeDefined();
  });
});

describe('order webhook without a secret', () => {
  it('answers 503 with a JSON error naming WEBHOOK_SECRET, logged as a warning and not as an error', async () => {
    const t = await startTestApp();
    const error = jest.spyOn(Logger.prototype, 'error');
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      const res = await request(t.http).post('/webhooks/orders').set('X-Kabinet-Signature', 'sha256=00').send(paid());
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('orders.webhook_disabled');
      expect(res.body.error.message).toContain('WEBHOOK_SECRET');
      expect(error.mock.calls.filter((c) => String(c[0]).includes('/webhooks/orders'))).toEqual([]);
      expect(warn.mock.calls.some((c) => String(c[0]).includes('WEBHOOK_SECRET'))).toBe(true);
    } finally {
      error.mockRestore();
      warn.mockRestore();
      await t.close();
    }
  });
});
