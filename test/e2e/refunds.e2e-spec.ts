import { createHmac, randomBytes } from 'node:crypto';
import request from 'supertest';
import { SYSTEM_ACTOR } from '../../src/audit/actor';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AppError } from '../../src/common/errors/app-error';
import { Order } from '../../src/members/orders/entities/order.entity';
import { HttpRefundAdapter } from '../../src/members/orders/refunds/adapters/http.adapter';
import { StripeRefundAdapter } from '../../src/members/orders/refunds/adapters/stripe.adapter';
import { Refund } from '../../src/members/orders/refunds/entities/refund.entity';
import { stripeSignatureHeader } from '../../src/members/orders/refunds/refund-signing';
import { RefundsRepository } from '../../src/members/orders/refunds/refunds.repository';
import { RefundsService } from '../../src/members/orders/refunds/refunds.service';
import { createProduct } from '../factories/members';
import { createUser } from '../factories/users';
import { FakeRefundEndpoint } from '../fakes/refund-endpoint.fake';
import { FakeStripe } from '../fakes/stripe.fake';
import { FakeYookassa } from '../fakes/yookassa.fake';
import { formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const WEBHOOK_SECRET = 'webhook-secret-0123456789';
const STRIPE_WHSEC = 'whsec_test_refunds_0123456789';
const ACTOR = { userId: null, label: 'test', ip: '' };

describe('refunds: adapters against local providers, phases, webhooks', () => {
  let t: TestApp;
  let yk: FakeYookassa;
  let stripe: FakeStripe;
  let service: RefundsService;
  let productSlug: string;

  beforeAll(async () => {
    yk = await new FakeYookassa().start();
    stripe = await new FakeStripe().start();
    yk.holdMs = stripe.holdMs = 1500;
    t = await startTestApp({
      env: {
        WEBHOOK_SECRET,
        TRUST_PROXY: 'true',
        REFUND_TIMEOUT_MS: '400',
        YOOKASSA_SHOP_ID: yk.shopId,
        YOOKASSA_SECRET_KEY: yk.secretKey,
        YOOKASSA_API_URL: `${yk.url}/v3`,
        YOOKASSA_WEBHOOK_IPS: '127.0.0.1,::1',
        STRIPE_SECRET_KEY: stripe.secretKey,
        STRIPE_API_URL: `${stripe.url}/v1`,
        STRIPE_WEBHOOK_SECRET: STRIPE_WHSEC,
      },
    });
    service = t.app.get(RefundsService);
    productSlug = (await createProduct(t)).slug;
  });
  afterAll(async () => {
    await t.close();
    await yk.stop();
    await stripe.stop();
  });
  afterEach(() => jest.restoreAllMocks());

  /** An order through the real purchase webhook, naming the provider and its payment id when given. */
  async function order(o: { amount?: string; currency?: string; provider?: 'yookassa' | 'stripe'; paymentId?: string; email?: string } = {}): Promise<Order> {
    const body = {
      event: 'order.paid',
      orderId: `ord-${randomBytes(6).toString('hex')}`,
      email: o.email ?? `buyer-${randomBytes(4).toString('hex')}@example.com`,
      name: 'Anna Buyer',
      product: productSlug,
      amount: o.amount ?? '1000.00',
      currency: o.currency ?? 'RUB',
      paidAt: '2026-11-20T10:00:00Z',
      ...(o.provider ? { paymentProvider: o.provider, paymentId: o.paymentId } : {}),
    };
    const raw = JSON.stringify(body);
    const sig = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`;
    await request(t.http).post('/webhooks/orders').set('Content-Type', 'application/json').set('X-Kabinet-Signature', sig).send(raw).expect(200);
    return (await t.db.manager.findOneBy(Order, { externalId: body.orderId }))!;
  }

  async function ykOrder(amountMinor = 100000) {
    const paymentId = yk.addPayment(amountMinor);
    return { paymentId, order: await order({ amount: (amountMinor / 100).toFixed(2), provider: 'yookassa', paymentId }) };
  }

  async function stripeOrder(amountMinor = 5000) {
    const pi = stripe.addPaymentIntent(amountMinor);
    return { pi, order: await order({ amount: (amountMinor / 100).toFixed(2), currency: 'USD', provider: 'stripe', paymentId: pi }) };
  }

  const key = (orderId: number) => `offboarding:${randomBytes(3).toString('hex')}:${orderId}`;
  const audits = (action: string, refundId: number) =>
    t.db.manager.findBy(AuditEntry, { action }).then((rows) => rows.filter((r) => JSON.parse(r.summary).after?.refundId === refundId));
  const posts = (fake: FakeYookassa | FakeStripe, k: string) => fake.requests.filter((r) => r.method === 'POST' && (r.headers['idempotence-key'] ?? r.headers['idempotency-key']) === k).length;

  it('the purchase webhook stores the payment provider and id; a half-given pair is 400', async () => {
    const { order: o, paymentId } = await ykOrder();
    expect(o).toMatchObject({ paymentProvider: 'yookassa', paymentRef: paymentId });
    const raw = JSON.stringify({ event: 'order.paid', orderId: 'x1', email: 'a@example.com', product: productSlug, amount: '1.00', currency: 'RUB', paidAt: '2026-11-20T10:00:00Z', paymentProvider: 'paypal' });
    const res = await request(t.http).post('/webhooks/orders').set('Content-Type', 'application/json').set('X-Kabinet-Signature', `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`).send(raw);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.error.details.fields)).toEqual(['paymentProvider']);
  });

  it('YooKassa: a refund goes through with Basic auth, the Idempotence-Key and a decimal amount; the same key again changes nothing', async () => {
    const { order: o, paymentId } = await ykOrder();
    const k = key(o.id);
    const r = await service.request(o.id, 25050, k, ACTOR);
    expect(r).toMatchObject({ status: 'succeeded', adapter: 'yookassa', amountMinor: 25050, currency: 'RUB', attempts: 1 });
    const [made] = yk.refundsOf(paymentId);
    expect(made.amount).toEqual({ value: '250.50', currency: 'RUB' });
    expect(r.providerRef).toBe(made.id);
    expect((await service.request(o.id, 25050, k, ACTOR)).status).toBe('succeeded');
    expect(yk.refundsOf(paymentId)).toHaveLength(1);
    expect(posts(yk, k)).toBe(1);
    expect(await audits('refund.requested', r.id)).toHaveLength(1);
    expect(await audits('refund.succeeded', r.id)).toHaveLength(1);
  });

  it('YooKassa 500 before creating: unknown, then a retry with the same key makes exactly one refund', async () => {
    const { order: o, paymentId } = await ykOrder();
    const k = key(o.id);
    yk.failNext('500-before');
    const first = await service.request(o.id, 10000, k, ACTOR);
    expect(first.status).toBe('unknown');
    expect(first.lastError).toMatch(/500 internal_server_error/);
    expect(yk.refundsOf(paymentId)).toHaveLength(0);
    const second = await service.request(o.id, 10000, k, ACTOR);
    expect(second).toMatchObject({ status: 'succeeded', attempts: 2, lastError: null });
    expect(yk.refundsOf(paymentId)).toHaveLength(1);
  });

  it('YooKassa 500 after creating, a timeout, a 429: the resume looks up first and there is one refund each', async () => {
    for (const fault of ['500-after', 'timeout', '429'] as const) {
      const { order: o, paymentId } = await ykOrder();
      const k = key(o.id);
      yk.failNext(fault);
      const first = await service.request(o.id, 30000, k, ACTOR);
      expect(first.status).toBe('unknown');
      expect(yk.refundsOf(paymentId)).toHaveLength(fault === '429' ? 0 : 1);
      const second = await service.request(o.id, 30000, k, ACTOR);
      expect(second.status).toBe('succeeded');
      expect(yk.refundsOf(paymentId)).toHaveLength(1);
      // found by the lookup, not created again: the only other POST was the 429's
      expect(posts(yk, k)).toBe(fault === '429' ? 2 : 1);
    }
  });

  it('a crash between the provider call and its record, then a resume: the lookup finds the refund, one at the provider (YooKassa and Stripe)', async () => {
    const repo = t.app.get(RefundsRepository);
    const a = await ykOrder();
    const b = await stripeOrder();
    for (const { o, fake, refs } of [
      { o: a.order, fake: yk as FakeYookassa | FakeStripe, refs: () => yk.refundsOf(a.paymentId).length },
      { o: b.order, fake: stripe as FakeYookassa | FakeStripe, refs: () => stripe.refundsOf(b.pi).length },
    ]) {
      const k = key(o.id);
      // the adapter has answered; the transaction that records it dies before its commit
      jest.spyOn(repo, 'record').mockRejectedValueOnce(new Error('process killed'));
      await expect(service.request(o.id, 2000, k, ACTOR)).rejects.toThrow('process killed');
      const row = await t.db.manager.findOneByOrFail(Refund, { idempotencyKey: k });
      expect(row.status).toBe('started');
      expect(refs()).toBe(1);
      const resumed = await service.request(o.id, 2000, k, ACTOR);
      expect(resumed).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(refs()).toBe(1);
      expect(posts(fake, k)).toBe(1);
    }
  });

  it('two workers with one key at once: one row, one refund', async () => {
    const { order: o, paymentId } = await ykOrder();
    const k = key(o.id);
    const [x, y] = await Promise.all([service.request(o.id, 500, k, ACTOR), service.request(o.id, 500, k, ACTOR)]);
    expect(x.id).toBe(y.id);
    expect(await t.db.manager.countBy(Refund, { idempotencyKey: k })).toBe(1);
    expect(yk.refundsOf(paymentId)).toHaveLength(1);
  });

  it('two refunds of one order with different keys at once cannot pass the total together', async () => {
    const { order: o, paymentId } = await ykOrder(100000);
    const results = await Promise.allSettled([service.request(o.id, 60000, key(o.id), ACTOR), service.request(o.id, 60000, key(o.id), ACTOR)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({ code: 'refunds.more_than_paid' });
    expect(yk.refundsOf(paymentId)).toHaveLength(1);
  });

  it('never more than was paid: partial refunds summing past the total are refused with a clear message', async () => {
    const { order: o, paymentId } = await ykOrder(100000);
    expect((await service.request(o.id, 60000, key(o.id), ACTOR)).status).toBe('succeeded');
    const over = await service.request(o.id, 50000, key(o.id), ACTOR).catch((e: AppError) => e);
    expect(over).toBeInstanceOf(AppError);
    expect((over as AppError).code).toBe('refunds.more_than_paid');
    expect((over as AppError).status).toBe(422);
    expect((over as AppError).message).toBe(`A refund of 500.00 RUB is more than is left to refund on order ${o.externalId}: paid 1000.00 RUB, refunded or being refunded 600.00 RUB, left 400.00 RUB`);
    expect((await service.request(o.id, 40000, key(o.id), ACTOR)).status).toBe('succeeded');
    await expect(service.request(o.id, 1, key(o.id), ACTOR)).rejects.toMatchObject({ code: 'refunds.more_than_paid' });
    expect(yk.refundsOf(paymentId).map((r) => r.amount.value).sort()).toEqual(['400.00', '600.00']);
    // bad amounts and a key reused for another amount
    await expect(service.request(o.id, 0, key(o.id), ACTOR)).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(service.request(o.id, 1.5, key(o.id), ACTOR)).rejects.toMatchObject({ code: 'validation_failed' });
    const { order: o2 } = await ykOrder(1000);
    const k = key(o2.id);
    await service.request(o2.id, 100, k, ACTOR);
    await expect(service.request(o2.id, 200, k, ACTOR)).rejects.toMatchObject({ code: 'refunds.key_reused', status: 409 });
  });

  it('an order the selling platform refunded already (order.refunded) is refused a second refund with 409, and nothing is called', async () => {
    const { order: o, paymentId } = await ykOrder(50000);
    const raw = JSON.stringify({ event: 'order.refunded', orderId: o.externalId });
    const sig = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex')}`;
    await request(t.http).post('/webhooks/orders').set('Content-Type', 'application/json').set('X-Kabinet-Signature', sig).send(raw).expect(200);
    expect((await t.db.manager.findOneByOrFail(Order, { id: o.id })).status).toBe('refunded');
    await expect(service.request(o.id, 50000, key(o.id), ACTOR)).rejects.toMatchObject({ code: 'refunds.order_refunded', status: 409 });
    expect(yk.refundsOf(paymentId)).toEqual([]);
    expect(await t.db.manager.countBy(Refund, { orderId: o.id })).toBe(0);
  });

  it('a refused refund (YooKassa 400) is failed and frees its amount', async () => {
    const { order: o } = await ykOrder(1000);
    // the provider thinks the payment is smaller than the order says: it refuses with 400
    yk.payments.get(o.paymentRef!)!.amountMinor = 500;
    const r = await service.request(o.id, 1000, key(o.id), ACTOR);
    expect(r.status).toBe('failed');
    expect(r.lastError).toMatch(/400 invalid_request: Refund amount exceeds/);
    expect(await audits('refund.failed', r.id)).toHaveLength(1);
    expect((await service.request(o.id, 500, key(o.id), ACTOR)).status).toBe('succeeded');
  });

  it('Stripe: form-encoded with the key in metadata; the same key with other parameters is Stripe’s idempotency_error', async () => {
    const { order: o, pi } = await stripeOrder(5000);
    const k = key(o.id);
    const r = await service.request(o.id, 1500, k, ACTOR);
    expect(r).toMatchObject({ status: 'succeeded', adapter: 'stripe', currency: 'USD' });
    const [made] = stripe.refundsOf(pi);
    expect(made).toMatchObject({ amount: 1500, payment_intent: pi, metadata: { kabinet_key: k } });
    const direct = new StripeRefundAdapter({ secretKey: stripe.secretKey, apiUrl: `${stripe.url}/v1`, timeoutMs: 1000 });
    const clash = await direct.refund({ orderRef: pi, amountMinor: 1600, currency: 'USD', key: k });
    expect(clash.status).toBe('failed');
    expect(clash.error).toMatch(/400 idempotency_error/);
    stripe.failNext('500-before');
    const k2 = key(o.id);
    expect((await service.request(o.id, 100, k2, ACTOR)).status).toBe('unknown');
    expect((await service.request(o.id, 100, k2, ACTOR)).status).toBe('succeeded');
    expect(stripe.refundsOf(pi)).toHaveLength(2);
  });

  describe('Stripe webhook', () => {
    const send = (event: unknown, o: { secret?: string; at?: number; header?: string | null } = {}) => {
      const raw = JSON.stringify(event);
      const req = request(t.http).post('/webhooks/stripe').set('Content-Type', 'application/json');
      if (o.header !== null) req.set('Stripe-Signature', o.header ?? stripeSignatureHeader(o.secret ?? STRIPE_WHSEC, o.at ?? Math.floor(Date.now() / 1000), raw));
      return req.send(raw);
    };
    const evt = (type: string, object: unknown) => ({ id: `evt_${randomBytes(6).toString('hex')}`, object: 'event', type, data: { object } });

    it('a forged or stale signature is 400 and changes nothing; a duplicate is harmless; a late pending never undoes succeeded', async () => {
      const { order: o, pi } = await stripeOrder(5000);
      stripe.newStatus = 'pending';
      const r = await service.request(o.id, 1000, key(o.id), ACTOR).finally(() => (stripe.newStatus = 'succeeded'));
      expect(r.status).toBe('pending');
      const refund = stripe.refundsOf(pi)[0];
      const succeeded = evt('refund.updated', { ...refund, status: 'succeeded' });
      expect((await send(succeeded, { secret: 'whsec_forged_0123456789' })).status).toBe(400);
      expect((await send(succeeded, { header: null })).status).toBe(400);
      expect((await send(succeeded, { at: Math.floor(Date.now() / 1000) - 301 })).body.error.code).toBe('refunds.bad_signature');
      expect((await t.db.manager.findOneByOrFail(Refund, { id: r.id })).status).toBe('pending');

      expect((await send(succeeded)).body).toEqual({ status: 'ok', refunds: 1 });
      expect((await send(succeeded)).status).toBe(200);
      const late = evt('refund.updated', { ...refund, status: 'pending' });
      expect((await send(late)).status).toBe(200);
      const failedLater = evt('refund.failed', { ...refund, status: 'failed', failure_reason: 'expired_or_canceled_card' });
      expect((await send(failedLater)).status).toBe(200);
      const row = await t.db.manager.findOneByOrFail(Refund, { id: r.id });
      expect(row.status).toBe('succeeded');
      expect(row.finishedAt).not.toBeNull();
      expect(await audits('refund.succeeded', r.id)).toHaveLength(1);
    });

    it('refund.failed and charge.refunded move open refunds; other events and refunds made elsewhere are ignored', async () => {
      const { order: o, pi } = await stripeOrder(5000);
      stripe.newStatus = 'pending';
      const a = await service.request(o.id, 1000, key(o.id), ACTOR);
      const b = await service.request(o.id, 1000, key(o.id), ACTOR).finally(() => (stripe.newStatus = 'succeeded'));
      const [ra, rb] = stripe.refundsOf(pi);
      expect((await send(evt('refund.failed', { ...ra, status: 'failed', failure_reason: 'lost_or_stolen_card' }))).status).toBe(200);
      expect((await send(evt('charge.refunded', { id: 'ch_1', object: 'charge', refunds: { data: [{ ...rb, status: 'succeeded' }] } }))).status).toBe(200);
      expect(await t.db.manager.findOneByOrFail(Refund, { id: a.id })).toMatchObject({ status: 'failed', lastError: 'failed: lost_or_stolen_card' });
      expect((await t.db.manager.findOneByOrFail(Refund, { id: b.id })).status).toBe('succeeded');
      expect((await send(evt('customer.created', { id: 'cus_1' }))).body).toEqual({ status: 'ignored', refunds: 0 });
      expect((await send(evt('refund.updated', { id: 're_elsewhere', object: 'refund', status: 'succeeded', metadata: {} }))).body).toEqual({ status: 'ignored', refunds: 0 });
    });
  });

  describe('YooKassa notifications', () => {
    const notify = (object: Record<string, unknown>, event = 'refund.succeeded', ip?: string) => {
      const req = request(t.http).post('/webhooks/yookassa').set('Content-Type', 'application/json');
      if (ip) req.set('X-Forwarded-For', ip);
      return req.send(JSON.stringify({ type: 'notification', event, object }));
    };

    it('re-fetches the refund: a notification claiming more than YooKassa says changes nothing; the real one moves it; duplicates are harmless', async () => {
      const { order: o, paymentId } = await ykOrder();
      yk.newStatus = 'pending';
      const r = await service.request(o.id, 1000, key(o.id), ACTOR).finally(() => (yk.newStatus = 'succeeded'));
      expect(r.status).toBe('pending');
      const made = yk.refundsOf(paymentId)[0];
      // forged: says succeeded, YooKassa still says pending
      expect((await notify({ ...made, status: 'succeeded' })).status).toBe(200);
      expect((await t.db.manager.findOneByOrFail(Refund, { id: r.id })).status).toBe('pending');
      yk.setStatus(made.id, 'succeeded');
      expect((await notify({ ...made, status: 'succeeded' })).body).toEqual({ status: 'ok', refunds: 1 });
      expect((await notify({ ...made, status: 'succeeded' })).status).toBe(200);
      // out of order: YooKassa (wrongly) answers canceled later; the final status stays
      yk.setStatus(made.id, 'canceled');
      expect((await notify({ ...made, status: 'canceled' }, 'refund.canceled')).status).toBe(200);
      expect((await t.db.manager.findOneByOrFail(Refund, { id: r.id })).status).toBe('succeeded');
      expect(await audits('refund.succeeded', r.id)).toHaveLength(1);
    });

    it('refuses a sender outside the allow-list (403) and a refund YooKassa does not know (400)', async () => {
      expect((await notify({ id: 'whatever' }, 'refund.succeeded', '203.0.113.7')).status).toBe(403);
      expect((await notify({ id: '2f0c0000-0000-0000-0000-000000000000' })).body.error.code).toBe('refunds.unverified');
      expect((await notify({ id: 'pay' }, 'payment.succeeded')).body).toEqual({ status: 'ignored', refunds: 0 });
      expect((await request(t.http).post('/webhooks/yookassa').set('Content-Type', 'application/json').send('[1]')).status).toBe(400);
    });
  });

  it('manual: pending until the owner confirms with a reference (API); shown on the client’s orders and the admin client page', async () => {
    const client = await createUser(t, { email: `manual-${randomBytes(3).toString('hex')}@example.com` });
    const o = await order({ email: client.email, amount: '700.00' });
    const r = await service.request(o.id, 20000, key(o.id), ACTOR);
    expect(r).toMatchObject({ adapter: 'manual', status: 'pending', awaitsOwner: true });
    const { key: apiKey } = await t.app.get(ApiKeysService).create(SYSTEM_ACTOR, 'refunds-test');
    const api = (path: string, body: unknown) => request(t.http).post(path).set('Authorization', `Bearer ${apiKey}`).send(body as object);
    expect((await api(`/api/admin/refunds/${r.id}/confirm`, { reference: '' })).status).toBe(400);
    const ok = await api(`/api/admin/refunds/${r.id}/confirm`, { reference: 'BANK-778' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'succeeded', providerRef: 'BANK-778', awaitsOwner: false });
    expect((await api(`/api/admin/refunds/${r.id}/confirm`, { reference: 'BANK-778' })).status).toBe(200);
    expect((await api(`/api/admin/refunds/${r.id}/fail`, { reason: 'changed my mind' })).status).toBe(409);
    expect((await api(`/api/admin/refunds/999999/confirm`, { reference: 'x' })).status).toBe(404);
    const r2 = await service.request(o.id, 10000, key(o.id), ACTOR);
    expect((await api(`/api/admin/refunds/${r2.id}/fail`, { reason: 'The card was closed' })).body).toMatchObject({ status: 'failed', lastError: 'The card was closed' });

    const agent = await loginAgent(t, client.email, client.password);
    const page = await agent.get('/account/orders').expect(200);
    expect(page.text).toContain('data-test="refund"');
    expect(page.text).toMatch(/Refund RUB\s?200\.00: Refunded/);
    expect(page.text).toMatch(/Refund RUB\s?100\.00: Failed/);
    const owner = await createUser(t, { role: 'owner' });
    const admin = await loginAgent(t, owner.email, owner.password);
    const show = await admin.get(`/admin/clients/${client.id}`).expect(200);
    expect(show.text).toContain('Refund 200.00 RUB: Refunded');
  });

  it('manual: the owner confirms or fails it from the client page; another client’s refund id is 404; staff may not', async () => {
    const client = await createUser(t);
    const o = await order({ email: client.email, amount: '300.00' });
    const a = await service.request(o.id, 10000, key(o.id), ACTOR);
    const b = await service.request(o.id, 5000, key(o.id), ACTOR);
    const owner = await createUser(t, { role: 'owner' });
    const admin = await loginAgent(t, owner.email, owner.password);
    const page = `/admin/clients/${client.id}`;
    const shown = await admin.get(page).expect(200);
    expect(shown.text.match(/data-test="refund-manual"/g)).toHaveLength(2);
    expect(shown.text).toContain(`Refund 100.00 RUB for order ${o.externalId} in your payment system`);
    const empty = await formPost(admin, page, `${page}/refunds/${a.id}/confirm`, { form: `refund-${a.id}`, reference: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Enter the refund');
    expect((await formPost(admin, page, `${page}/refunds/${a.id}/confirm`, { form: `refund-${a.id}`, reference: 'TX-1' })).status).toBe(303);
    expect((await formPost(admin, page, `${page}/refunds/${b.id}/fail`, { form: `refund-${b.id}`, reason: 'Card closed' })).status).toBe(303);
    expect(await t.db.manager.findOneByOrFail(Refund, { id: a.id })).toMatchObject({ status: 'succeeded', providerRef: 'TX-1' });
    expect(await t.db.manager.findOneByOrFail(Refund, { id: b.id })).toMatchObject({ status: 'failed', lastError: 'Card closed' });
    const other = await createUser(t);
    const o2 = await order({ email: other.email });
    const c = await service.request(o2.id, 100, key(o2.id), ACTOR);
    expect((await formPost(admin, page, `${page}/refunds/${c.id}/confirm`, { reference: 'X' })).status).toBe(404);
    const staffUser = await createUser(t, { role: 'staff' });
    const staff = await loginAgent(t, staffUser.email, staffUser.password);
    expect((await formPost(staff, `/admin/clients/${other.id}`, `/admin/clients/${other.id}/refunds/${c.id}/confirm`, { reference: 'X' })).status).toBe(403);
    expect((await t.db.manager.findOneByOrFail(Refund, { id: c.id })).status).toBe('pending');
  });
});

describe('the http adapter against a seller endpoint', () => {
  let fake: FakeRefundEndpoint;
  beforeAll(async () => {
    fake = await new FakeRefundEndpoint().start();
    fake.holdMs = 1500;
  });
  afterAll(() => fake.stop());

  it('signs each request; 500 or a timeout is unknown; lookup finds what was made; a wrong secret is refused', async () => {
    const adapter = new HttpRefundAdapter({ url: fake.url, secret: fake.secret, timeoutMs: 400 });
    const req = { orderRef: 'ord-1', amountMinor: 1000, currency: 'RUB', key: 'offboarding:1:1' };
    expect(await adapter.lookup(req.key)).toBeNull();
    fake.failNext('500-after');
    expect((await adapter.refund(req)).status).toBe('unknown');
    expect(await adapter.lookup(req.key)).toMatchObject({ status: 'succeeded' });
    expect(await adapter.refund(req)).toMatchObject({ status: 'succeeded' });
    expect(fake.made.size).toBe(1);
    fake.failNext('timeout');
    expect((await adapter.refund({ ...req, key: 'offboarding:1:2' })).status).toBe('unknown');
    expect(fake.badSignatures).toBe(0);
    const wrong = new HttpRefundAdapter({ url: fake.url, secret: 'another-secret-0123456789', timeoutMs: 400 });
    expect(await wrong.refund({ ...req, key: 'offboarding:1:3' })).toMatchObject({ status: 'failed', error: 'HTTP 401: bad signature' });
    expect(fake.badSignatures).toBe(1);
  });
});
