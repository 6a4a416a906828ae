import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { Ban } from '../../src/bans/entities/ban.entity';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { GrantEvent } from '../../src/members/access/entities/grant-event.entity';
import { Refund } from '../../src/members/orders/refunds/entities/refund.entity';
import { OrdersRepository } from '../../src/members/orders/orders.repository';
import { CaseInput, FaultPoint, OFFBOARDING_STEPS, OffboardingActor } from '../../src/offboarding/offboarding.contract';
import { OffboardingFaults } from '../../src/offboarding/offboarding-faults';
import { OffboardingService } from '../../src/offboarding/offboarding.service';
import { RunCase, STEP_RETRY_BASE_MS } from '../../src/offboarding/usecases/run-case.usecase';
import { createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { FakeYookassa } from '../fakes/yookassa.fake';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Issue 15's crash test with the real steps: a crash injected after each step, between a refund call and its
 * record, and before the notice's commit, then resume: one notice in the outbox, one refund per key at the
 * provider (a local YooKassa) and in our table, one ban, the grant ended once. And a provider 500, then the retry:
 * one refund.
 */
describe('offboarding crash and resume with the real steps (YooKassa refunds)', () => {
  let t: TestApp;
  let yk: FakeYookassa;
  let svc: OffboardingService;
  let runner: RunCase;
  let faults: OffboardingFaults;
  let owner: OffboardingActor;
  let apiKey: string;

  const input = (o: Partial<CaseInput> = {}): CaseInput => ({ reason: 'The agreed terms were not kept', evidence: [], steps: [...OFFBOARDING_STEPS], when: 'now', ...o });
  const statuses = (c: { steps: { name: string; status: string }[] }) => Object.fromEntries(c.steps.map((x) => [x.name, x.status]));

  beforeAll(async () => {
    yk = await new FakeYookassa().start();
    t = await startTestApp({
      env: { REFUND_TIMEOUT_MS: '400', YOOKASSA_SHOP_ID: yk.shopId, YOOKASSA_SECRET_KEY: yk.secretKey, YOOKASSA_API_URL: `${yk.url}/v3`, YOOKASSA_WEBHOOK_IPS: '127.0.0.1,::1' },
    });
    svc = t.app.get(OffboardingService);
    runner = t.app.get(RunCase);
    faults = t.app.get(OffboardingFaults);
    const u = await createUser(t, { role: 'owner' });
    owner = { userId: u.id, label: u.email, ip: '', role: 'owner' };
    apiKey = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'offboarding-crash')).key;
  });
  afterEach(() => faults.disarm());
  afterAll(async () => {
    await t.close();
    await yk.stop();
  });

  /** A client with a paid YooKassa order, a running grant and a subscription to nothing. */
  async function client() {
    const c = await createUser(t, { locale: 'en', email: `leaving-${randomBytes(4).toString('hex')}@example.com` });
    const p = await createProduct(t);
    const paymentId = yk.addPayment(150000);
    const order = await t.db.transaction((m) =>
      t.app.get(OrdersRepository).insert(m, {
        externalId: `ord-${randomBytes(4).toString('hex')}`,
        clientId: c.id,
        productId: p.id,
        amountMinor: 150000,
        currency: 'RUB',
        paidAt: new Date(),
        payload: null,
        paymentProvider: 'yookassa',
        paymentRef: paymentId,
      }),
    );
    const grant = await grantAccess(t, c.id, p.id);
    return { c, order, paymentId, grant };
  }

  async function effects(caseId: number, x: Awaited<ReturnType<typeof client>>) {
    return {
      notices: await t.db.manager.countBy(OutboxMessage, { to: x.c.email, template: 'offboarding-notice' }),
      refunds: await t.db.manager.countBy(Refund, { orderId: x.order.id }),
      refundsByKey: await t.db.manager.countBy(Refund, { idempotencyKey: `offboarding:${caseId}:${x.order.id}` }),
      atProvider: yk.refundsOf(x.paymentId).length,
      bans: await t.db.manager.countBy(Ban, { caseId }),
      grantEnded: await t.db.manager.countBy(GrantEvent, { grantId: x.grant.id, kind: 'revoked' }),
    };
  }
  const ONCE = { notices: 1, refunds: 1, refundsByKey: 1, atProvider: 1, bans: 1, grantEnded: 1 };

  const points: FaultPoint[] = [...OFFBOARDING_STEPS.map((s) => `after-step:${s}` as const), 'refund:between-call-and-record', 'notice:before-commit'];

  it.each(points.map((p) => [p]))('a crash at %s, then resume: each side effect exactly once', async (point) => {
    const x = await client();
    faults.arm(point);
    const first = (await svc.open(owner, x.c.id, input())).case;
    // the crash stopped the run before the case was settled
    expect(first.status).toBe('running');
    await runner.execute(first.id);
    const c = await svc.get(first.id);
    // the notice waits for the relay; everything else is done
    expect(statuses(c)).toEqual({ notice: 'waiting', refund: 'done', revoke: 'done', unsubscribe: 'done', ban: 'done' });
    expect(await effects(c.id, x)).toEqual(ONCE);
    expect((await t.db.manager.findOneByOrFail(Refund, { orderId: x.order.id })).status).toBe('succeeded');
    // once the relay has handled the notice, the case is done; one more run changes nothing
    await t.relay.drain();
    await runner.runDue(new Date(Date.now() + 10 * 60_000));
    const done = await svc.get(c.id);
    expect(done.status).toBe('done');
    expect(done.noticeSent).toMatchObject({ locale: 'en' });
    await runner.execute(c.id, new Date(Date.now() + 20 * 60_000));
    expect(await effects(c.id, x)).toEqual(ONCE);
  });

  it.each([['500-after'], ['500-before']] as const)('a provider %s, then the retry: one refund', async (fault) => {
    const x = await client();
    yk.failNext(fault);
    const first = (await svc.open(owner, x.c.id, input({ steps: ['refund'] }))).case;
    expect(statuses(first).refund).toBe('retrying');
    expect(first.status).toBe('running');
    expect(yk.refundsOf(x.paymentId)).toHaveLength(fault === '500-after' ? 1 : 0);
    await runner.runDue(new Date(Date.now() + STEP_RETRY_BASE_MS + 5000));
    const c = await svc.get(first.id);
    expect(c.status).toBe('done');
    expect(c.steps.find((s) => s.name === 'refund')).toMatchObject({ status: 'done', attempts: 2 });
    expect(yk.refundsOf(x.paymentId)).toHaveLength(1);
    expect(await t.db.manager.countBy(Refund, { orderId: x.order.id })).toBe(1);
  });

  it('a provider 500, then the owner retries through the API at once: one refund', async () => {
    const x = await client();
    yk.failNext('500-after');
    const first = (await svc.open(owner, x.c.id, input({ steps: ['refund', 'ban'] }))).case;
    expect(statuses(first)).toMatchObject({ refund: 'retrying', ban: 'done' });
    const res = await request(t.http).post(`/api/admin/offboarding/${first.id}/retry`).set('Authorization', `Bearer ${apiKey}`).send({ step: 'refund' }).expect(200);
    expect(res.body.status).toBe('done');
    expect(res.body.steps.find((s: { name: string }) => s.name === 'refund')).toMatchObject({ status: 'done', result: { refunds: [expect.objectContaining({ status: 'succeeded' })] } });
    expect(yk.refundsOf(x.paymentId)).toHaveLength(1);
    expect(await t.db.manager.countBy(Refund, { orderId: x.order.id })).toBe(1);
  });
});
