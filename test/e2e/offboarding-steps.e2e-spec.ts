import { randomBytes, randomInt } from 'node:crypto';
import request from 'supertest';
import { EntityManager } from 'typeorm';
import { Actor } from '../../src/audit/actor';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { ApiKeysRepository } from '../../src/auth/api-keys/api-keys.repository';
import { ApiKey } from '../../src/auth/api-keys/entities/api-key.entity';
import { PasswordReset } from '../../src/auth/entities/password-reset.entity';
import { PasswordResetsRepository } from '../../src/auth/password-resets.repository';
import { Ban } from '../../src/bans/entities/ban.entity';
import { emailKey } from '../../src/bans/email-key';
import { AppError } from '../../src/common/errors/app-error';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { OutboxRepository } from '../../src/mail/outbox.repository';
import { CampaignRecipient } from '../../src/mailing/campaigns/entities/campaign-recipient.entity';
import { CampaignSender } from '../../src/mailing/sender/campaign-sender';
import { RecipientsRepository } from '../../src/mailing/sender/recipients.repository';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { ClientAreaService } from '../../src/members/client-area/client-area.service';
import { GrantEvent } from '../../src/members/access/entities/grant-event.entity';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { Order } from '../../src/members/orders/entities/order.entity';
import { Refund } from '../../src/members/orders/refunds/entities/refund.entity';
import { OrdersRepository } from '../../src/members/orders/orders.repository';
import { RefundsService } from '../../src/members/orders/refunds/refunds.service';
import { CASE_PLANNER, CaseInput, CasePlanner, REINSTATER, Reinstater, STEP_EXECUTORS, StepContext, StepExecutor, StepName, StepOutcome, StepResults } from '../../src/offboarding/offboarding.contract';
import { OffboardingFaults } from '../../src/offboarding/offboarding-faults';
import { OffboardingService } from '../../src/offboarding/offboarding.service';
import { RunCase } from '../../src/offboarding/usecases/run-case.usecase';
import { Ticket, TicketMessage } from '../../src/support/entities/ticket.entity';
import { User } from '../../src/users/entities/user.entity';
import { UsersRepository } from '../../src/users/users.repository';
import { SettingsService } from '../../src/settings/settings.service';
import { startCampaign } from '../factories/campaigns';
import { createList, createSubscriber, subscriptionStatus } from '../factories/mailing';
import { createFile, createLesson, createProduct, grantAccess } from '../factories/members';
import { createTicket } from '../factories/tickets';
import { createUser } from '../factories/users';
import { outboxFor } from '../utils/outbox';
import { SmtpSink } from '../utils/smtp-sink';
import { Agent, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const DAY = 86400_000;
const tag = () => randomBytes(4).toString('hex');

describe('offboarding steps: each step alone and twice, the dry run, reinstatement', () => {
  let t: TestApp;
  let admin: User & { password: string };
  let actor: Actor;
  let steps: Map<StepName, StepExecutor>;
  let planner: CasePlanner;
  let reinstater: Reinstater;

  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Kabinet <news@kabinet.test>' } });
    admin = await createUser(t, { role: 'owner' });
    actor = { userId: admin.id, label: admin.email, ip: '' };
    steps = new Map(t.app.get<StepExecutor[]>(STEP_EXECUTORS).map((s) => [s.name, s]));
    planner = t.app.get<CasePlanner>(CASE_PLANNER);
    reinstater = t.app.get<Reinstater>(REINSTATER);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const input = (o: Partial<CaseInput> = {}): CaseInput => ({ reason: 'Kept asking for work outside the agreed plan', evidence: [], steps: ['notice', 'refund', 'revoke', 'unsubscribe', 'ban'], when: 'now', ...o });

  /** A step record as the runner keeps it: the result of the previous run carried into the next. */
  function record(caseId: number, name: StepName) {
    return { id: randomInt(1, 1e9), name, attempts: 0, idempotencyKey: `offboarding:${caseId}:${name}`, externalRef: null as string | null, result: null as Record<string, unknown> | null };
  }

  async function run(name: StepName, caseId: number, clientId: number, inp: CaseInput, step = record(caseId, name)): Promise<{ out: StepOutcome; step: ReturnType<typeof record> }> {
    const ex = steps.get(name)!;
    const ctx: StepContext = { caseId, clientId, step: { ...step, attempts: step.attempts + 1 }, input: inp, actor, now: new Date() };
    const out = ex.kind === 'local' ? await t.db.transaction((m: EntityManager) => ex.run(m, ctx)) : await ex.run(ctx);
    const next = { ...step, attempts: step.attempts + 1, result: out.result ?? step.result, externalRef: ('externalRef' in out ? out.externalRef : null) ?? step.externalRef };
    return { out, step: next };
  }

  const newCase = () => randomInt(1, 1e9);

  async function order(clientId: number, productId: number, amountMinor: number, status: Order['status'] = 'paid'): Promise<Order> {
    const o = await t.db.transaction((m) =>
      t.app.get(OrdersRepository).insert(m, { externalId: `ord-${tag()}`, clientId, productId, amountMinor, currency: 'RUB', paidAt: new Date(), payload: null, paymentProvider: null, paymentRef: null }),
    );
    if (status !== 'paid') await t.db.transaction((m) => m.update(Order, { id: o.id }, { status }));
    return o;
  }

  async function tableCounts(): Promise<Record<string, number>> {
    const names: string[] = t.db.isMysql
      ? ((await t.db.manager.query('SHOW TABLES')) as Record<string, string>[]).map((r) => Object.values(r)[0])
      : ((await t.db.manager.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) as { name: string }[]).map((r) => r.name);
    const out: Record<string, number> = {};
    for (const n of names.sort()) out[n] = Number(((await t.db.manager.query(`SELECT COUNT(*) AS n FROM ${t.db.isMysql ? `\`${n}\`` : `"${n}"`}`)) as { n: number | string }[])[0].n);
    return out;
  }

  describe('notice', () => {
    it('never tells the client to write to a no-reply sender: with no support address the first owner is named instead', async () => {
      const client = await createUser(t, { locale: 'en' });
      const settings = t.app.get(SettingsService);
      await settings.update(actor, { mailFromAddress: 'no-reply@kabinet.test' });
      try {
        const [firstOwner] = await t.app.get(UsersRepository).listEmailsByRole('owner');
        expect(firstOwner).toBeDefined();
        const { out } = await run('notice', newCase(), client.id, input());
        const body = (out.result as StepResults['notice']).body;
        expect(body).toContain(`write to ${firstOwner} and we will send it to you`);
        expect(body).not.toMatch(/no-reply@/);
      } finally {
        await settings.update(actor, { mailFromAddress: 'news@kabinet.test' });
      }
    });

    it("goes once to the client in their language, escaped in HTML, with a copy to the owner, and waits for delivery", async () => {
      const client = await createUser(t, { locale: 'ru', name: 'Анна <b>Смелая</b>' });
      const p = await createProduct(t);
      await order(client.id, p.id, 150000);
      const caseId = newCase();
      const inp = input();

      const first = await run('notice', caseId, client.id, inp);
      expect(first.out.status).toBe('waiting');
      const res = first.out.result as StepResults['notice'];
      expect(res.locale).toBe('ru');
      expect(res.subject).toMatch(/^О нашем сотрудничестве/);
      expect(res.body).toContain('Здравствуйте, Анна <b>Смелая</b>!');
      expect(res.body).toMatch(/Мы возвращаем 1\s?500,00\s?₽/);
      expect(res.body).not.toContain('{{');
      expect(res.body).not.toContain(inp.reason);
      expect(res.body).toContain('напишите на news@kabinet.test'); // no support address set: the sender

      // the same step record again (the runner asks again): nothing new is queued
      const second = await run('notice', caseId, client.id, inp, first.step);
      expect(second.out.status).toBe('waiting');
      const mails = await outboxFor(t, client.email);
      expect(mails).toHaveLength(1);
      expect(mails[0].template).toBe('offboarding-notice');
      expect(mails[0].locale).toBe('ru');
      expect(mails[0].html).toContain('Анна &lt;b&gt;Смелая&lt;/b&gt;');
      expect(mails[0].html).not.toContain('<b>Смелая');
      expect(mails[0].text).toContain('Анна <b>Смелая</b>');
      const copies = await outboxFor(t, admin.email);
      expect(copies.filter((c) => c.id === res.ownerCopyOutboxId)).toHaveLength(1);
      expect(copies.find((c) => c.id === res.ownerCopyOutboxId)!.subject).toMatch(/^Копия: О нашем/);

      // delivered → done; the record keeps the sent copy
      await t.app.get(OutboxRepository).markSent(res.outboxId, 'sent', new Date());
      const third = await run('notice', caseId, client.id, inp, second.step);
      expect(third.out.status).toBe('done');
      expect((third.out.result as StepResults['notice']).delivered).toBe(true);
      expect((third.out.result as StepResults['notice']).body).toBe(res.body);
      expect(await outboxFor(t, client.email)).toHaveLength(1);
    });

    it('uses the edited text in English and fails for good when the relay gives up', async () => {
      const client = await createUser(t, { locale: 'en', name: 'Bob' });
      const caseId = newCase();
      const inp = input({ steps: ['notice'], notice: { subject: 'About {{school}}', body: 'Hello {{name}}. {{refund}} Thank you.' } });
      const first = await run('notice', caseId, client.id, inp);
      const res = first.out.result as StepResults['notice'];
      expect(res.body).toBe('Hello Bob. There is no payment to refund. Thank you.');
      await t.app.get(OutboxRepository).markFailed(res.outboxId, '550 mailbox unavailable');
      const again = await run('notice', caseId, client.id, inp, first.step);
      expect(again.out).toMatchObject({ status: 'failed', retryable: false, error: '550 mailbox unavailable' });
    });
  });

  describe('refund', () => {
    it('refunds what is left of every paid order, once per key, and waits for the owner on the manual adapter', async () => {
      const client = await createUser(t);
      const p = await createProduct(t);
      const a = await order(client.id, p.id, 100000);
      const b = await order(client.id, p.id, 50000);
      await order(client.id, p.id, 70000, 'declined');
      // 300.00 of A was refunded before the case
      await t.db.transaction((m) => m.insert(Refund, { orderId: a.id, idempotencyKey: `manual-${tag()}`, adapter: 'manual', orderRef: a.externalId, amountMinor: 30000, currency: 'RUB', status: 'succeeded', providerRef: 'x', attempts: 1, lastError: null, requestedAt: new Date(), updatedAt: new Date(), finishedAt: new Date(), createdBy: null, createdByLabel: 't' }));
      const caseId = newCase();
      const first = await run('refund', caseId, client.id, input());
      expect(first.out.status).toBe('waiting');
      const lines = (first.out.result as StepResults['refund']).refunds;
      expect(lines.map((l) => [l.orderId, l.amountMinor, l.status, l.key])).toEqual([
        [a.id, 70000, 'pending', `offboarding:${caseId}:${a.id}`],
        [b.id, 50000, 'pending', `offboarding:${caseId}:${b.id}`],
      ]);

      const second = await run('refund', caseId, client.id, input(), first.step);
      expect(second.out.status).toBe('waiting');
      expect((second.out.result as StepResults['refund']).refunds.map((l) => l.refundId)).toEqual(lines.map((l) => l.refundId));
      expect(await t.db.manager.countBy(Refund, { orderId: a.id })).toBe(2);
      expect(await t.db.manager.countBy(Refund, { orderId: b.id })).toBe(1);
    });

    it('refunds the chosen amounts, and a chosen amount above what is left is refused before anything', async () => {
      const client = await createUser(t);
      const other = await createUser(t);
      const p = await createProduct(t);
      const a = await order(client.id, p.id, 100000);
      const foreign = await order(other.id, p.id, 100000);
      await expect(planner.plan(client.id, input({ refunds: [{ orderId: a.id, amountMinor: 100001 }] }), new Date())).rejects.toMatchObject({
        kind: 'validation',
        fields: { 'refunds[0].amountMinor': 'offboarding_steps.errors.refund_too_much' },
      });
      await expect(planner.plan(client.id, input({ refunds: [{ orderId: foreign.id, amountMinor: 100 }] }), new Date())).rejects.toMatchObject({
        kind: 'validation',
        fields: { 'refunds[0].orderId': 'offboarding_steps.errors.order_not_clients' },
      });
      const { out } = await run('refund', newCase(), client.id, input({ refunds: [{ orderId: a.id, amountMinor: 25000 }] }));
      expect((out.result as StepResults['refund']).refunds.map((l) => l.amountMinor)).toEqual([25000]);
    });
  });

  describe('revoke', () => {
    it('ends grants, sessions, keys, links, the account and open tickets in one go: three live sessions get nothing after the commit', async () => {
      const client = await createUser(t);
      const p1 = await createProduct(t);
      const p2 = await createProduct(t);
      const lesson = await createLesson(t, p1.id);
      const file = await createFile(t, lesson);
      const startsAt = new Date(Date.now() - 10 * DAY);
      const endsAt = new Date(Date.now() + 100 * DAY);
      const g1 = await grantAccess(t, client.id, p1.id, { startsAt, endsAt });
      const g2 = await grantAccess(t, client.id, p2.id);
      const t1 = await createTicket(t, client.id);
      const t2 = await createTicket(t, client.id);
      await t.db.transaction((m) => t.app.get(ApiKeysRepository).insert(m, { name: 'client key', prefix: 'kb_x', keyHash: tag().padEnd(64, '0'), createdBy: client.id }));
      await t.db.transaction((m) => t.app.get(PasswordResetsRepository).insert(m, { tokenHash: tag().padEnd(64, '1'), userId: client.id, expiresAt: new Date(Date.now() + DAY) }));
      const agents: Agent[] = [];
      for (let i = 0; i < 3; i++) agents.push(await loginAgent(t, client.email, client.password));
      for (const a of agents) await a.get('/account').expect(200);
      const area = t.app.get(ClientAreaService);
      const link = area.signedPath(file.id, client.id, Math.floor(Date.now() / 1000) + 3600);
      await request(t.http).get(link).expect(200);

      const caseId = newCase();
      const first = await run('revoke', caseId, client.id, input());
      expect(first.out.status).toBe('done');
      const res = first.out.result as StepResults['revoke'];

      // the very next requests of every session: not one succeeds
      const answers = await Promise.all(agents.flatMap((a) => [a.get('/account'), a.get(`/account/lessons/${lesson.id}`), a.get('/account/tickets')]));
      expect(answers.filter((r) => r.status >= 200 && r.status < 300)).toHaveLength(0);
      await request(t.http).get(link).expect(404);
      await request(t.http).post('/login').type('form').send({ email: client.email, password: client.password }).expect((r) => expect(r.status).not.toBe(303));
      // the right password: a polite "closed" (not "wrong password", which would send them round the reset); a wrong one: as always
      const closed = await formPost(request.agent(t.http), '/login', '/login', { email: client.email, password: client.password });
      expect(closed.status).toBe(403);
      expect(closed.text).toContain('This account is closed');
      expect(String(closed.headers['set-cookie'] ?? '')).not.toMatch(/kb_sid=[^;]/);
      expect((await formPost(request.agent(t.http), '/login', '/login', { email: client.email, password: 'not the password at all' })).status).toBe(401);

      expect(res.grants.map((g) => [g.grantId, g.startsAt, g.endsAt])).toEqual([
        [g1.id, startsAt.toISOString(), endsAt.toISOString()],
        [g2.id, g2.startsAt.toISOString(), null],
      ]);
      expect(res).toMatchObject({ sessionsEnded: 3, apiKeysRevoked: 1, passwordLinksEnded: 1, accountDisabled: true });
      expect(res.ticketsClosed.sort()).toEqual([t1.id, t2.id].sort());
      for (const g of [g1, g2]) {
        expect((await t.db.manager.findOneByOrFail(Grant, { id: g.id })).revokedAt).not.toBeNull();
        expect(await t.db.manager.countBy(GrantEvent, { grantId: g.id, kind: 'revoked' })).toBe(1);
      }
      const revokeAudits = await t.db.manager.findBy(AuditEntry, { action: 'grant.revoke', subjectId: String(client.id) });
      expect(revokeAudits).toHaveLength(2);
      expect((await t.db.manager.findOneByOrFail(ApiKey, { createdBy: client.id })).revokedAt).not.toBeNull();
      expect((await t.db.manager.findOneByOrFail(PasswordReset, { userId: client.id })).usedAt).not.toBeNull();
      for (const id of [t1.id, t2.id]) {
        expect((await t.db.manager.findOneByOrFail(Ticket, { id })).status).toBe('closed');
        const msgs = await t.db.manager.find(TicketMessage, { where: { ticketId: id }, order: { id: 'ASC' } });
        expect(msgs[msgs.length - 1]).toMatchObject({ kind: 'system', body: 'closed_by_offboarding' });
      }
      // a new ticket is refused (should a request of the closed account get this far)
      await expect(createTicket(t, client.id)).rejects.toMatchObject({ code: 'tickets.account_closed' });

      // twice: nothing more ends, and the record still lists what the first run ended
      const second = await run('revoke', caseId, client.id, input(), first.step);
      expect((second.out.result as StepResults['revoke']).grants.map((g) => g.grantId)).toEqual([g1.id, g2.id]);
      expect(await t.db.manager.countBy(GrantEvent, { grantId: g1.id, kind: 'revoked' })).toBe(1);
      expect(await t.db.manager.findBy(AuditEntry, { action: 'client.account_closed', subjectId: String(client.id) })).toHaveLength(1);
    });

    it('ends only the chosen grants', async () => {
      const client = await createUser(t);
      const g1 = await grantAccess(t, client.id, (await createProduct(t)).id);
      const g2 = await grantAccess(t, client.id, (await createProduct(t)).id);
      const { out } = await run('revoke', newCase(), client.id, input({ grantIds: [g2.id] }));
      expect((out.result as StepResults['revoke']).grants.map((g) => g.grantId)).toEqual([g2.id]);
      expect((await t.db.manager.findOneByOrFail(Grant, { id: g1.id })).revokedAt).toBeNull();
    });
  });

  describe('unsubscribe', () => {
    it("leaves every list, suppresses the address as offboarded and skips its unsent campaign rows", async () => {
      const client = await createUser(t);
      const l1 = await createList(t);
      const l2 = await createList(t);
      const sub = await createSubscriber(t, { email: client.email, lists: [l1.id, l2.id] });
      const stays = await createSubscriber(t, { lists: [l1.id] });
      const campaign = await startCampaign(t.db, { subject: `News ${tag()}`, body: 'Hello', listIds: [l1.id] });
      expect(await t.db.manager.countBy(CampaignRecipient, { campaignId: campaign.id, subscriberId: sub.id, status: 'pending' })).toBe(1);

      const caseId = newCase();
      const first = await run('unsubscribe', caseId, client.id, input());
      expect(first.out.result).toEqual({ lists: [{ id: l1.id, name: l1.name }, { id: l2.id, name: l2.name }], suppressed: true, campaignRowsSkipped: 1 });
      expect(await subscriptionStatus(t, sub.id, l1.id)).toBe('unsubscribed');
      expect(await subscriptionStatus(t, sub.id, l2.id)).toBe('unsubscribed');
      expect((await t.db.manager.findOneByOrFail(Subscriber, { id: sub.id })).suppressedReason).toBe('offboarded');
      const row = await t.db.manager.findOneByOrFail(CampaignRecipient, { campaignId: campaign.id, subscriberId: sub.id });
      expect(row).toMatchObject({ status: 'skipped', lastError: 'offboarded' });
      // the sender's claim takes pending rows only: a skipped one is never handed out
      expect(await t.app.get(RecipientsRepository).countWaitingFor(sub.id)).toBe(0);

      // and the sender, run to the end, mails the others and not this address
      await t.app.get(CampaignSender).runUntilDone(campaign.id, { pollMs: 20 });
      expect(sink.received.filter((x) => x.to.includes(stays.email))).toHaveLength(1);
      expect(sink.received.filter((x) => x.to.includes(client.email))).toHaveLength(0);
      expect((await t.db.manager.findOneByOrFail(CampaignRecipient, { id: row.id })).status).toBe('skipped');

      const second = await run('unsubscribe', caseId, client.id, input(), first.step);
      expect(second.out.result).toEqual(first.out.result);
    });

    it('suppresses a client who was never a subscriber', async () => {
      const client = await createUser(t);
      const { out } = await run('unsubscribe', newCase(), client.id, input());
      expect(out.result).toEqual({ lists: [], suppressed: true, campaignRowsSkipped: 0 });
      expect((await t.db.manager.findOneByOrFail(Subscriber, { email: client.email })).suppressedReason).toBe('offboarded');
    });
  });

  describe('ban', () => {
    it('bans the identity once per case, and the domain when asked', async () => {
      const k = tag();
      const client = await createUser(t, { email: `J.Doe${k}+shop@Example-${k}.org` });
      const caseId = newCase();
      const inp = input({ banDomain: true });
      const first = await run('ban', caseId, client.id, inp);
      expect(first.out).toMatchObject({ status: 'done', result: { key: emailKey(client.email), domain: `example-${k}.org`, created: true } });
      const second = await run('ban', caseId, client.id, inp, first.step);
      expect(second.out).toMatchObject({ status: 'done', result: { banId: (first.out.result as StepResults['ban']).banId, created: false } });
      expect(await t.db.manager.countBy(Ban, { caseId })).toBe(2);
    });
  });

  describe('the dry run', () => {
    it('shows everything the case would do and changes nothing', async () => {
      const client = await createUser(t, { locale: 'en', name: 'Carol' });
      const p = await createProduct(t);
      const o = await order(client.id, p.id, 99000);
      const g = await grantAccess(t, client.id, p.id);
      const list = await createList(t);
      await createSubscriber(t, { email: client.email, lists: [list.id] });
      await startCampaign(t.db, { subject: 'Soon', body: 'x', listIds: [list.id] });
      const ticket = await createTicket(t, client.id);
      await loginAgent(t, client.email, client.password);

      const before = await tableCounts();
      const inp = input({ reason: 'Carol insulted our tutor several times in the chat', notice: { subject: 'Hi {{name}}', body: 'You broke the rules. Carol insulted our tutor several times in the chat.' } });
      const plan = await planner.plan(client.id, inp, new Date());
      expect(await tableCounts()).toEqual(before);

      expect(plan.client).toMatchObject({ id: client.id, locale: 'en' });
      expect(plan.notice.rendered.subject).toBe('Hi Carol');
      expect(plan.notice.hints.map((h) => h.rule)).toEqual(expect.arrayContaining(['blame', 'quotes_private', 'no_alternative']));
      expect(plan.refunds).toEqual([expect.objectContaining({ orderId: o.id, paidMinor: 99000, refundedMinor: 0, amountMinor: 99000, currency: 'RUB', adapter: 'manual' })]);
      expect(plan.refundTotalMinor).toBe(99000);
      expect(plan.grants.map((x) => x.id)).toEqual([g.id]);
      expect(plan.sessions).toBe(1);
      expect(plan.lists).toEqual([{ id: list.id, name: list.name }]);
      expect(plan.unsentCampaignRows).toBe(1);
      expect(plan.tickets.map((x) => x.id)).toEqual([ticket.id]);
      expect(plan.ban).toMatchObject({ email: client.email, domain: null, alreadyBanned: false });

      const plain = await planner.plan(client.id, input(), new Date());
      expect(plain.notice.hints).toEqual([]);
    });

    it("refuses another client's grant, naming the field", async () => {
      const client = await createUser(t);
      const other = await createUser(t);
      const g = await grantAccess(t, other.id, (await createProduct(t)).id);
      const err = await planner.plan(client.id, input({ grantIds: [g.id] }), new Date()).catch((e) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ status: 400, fields: { 'grantIds[0]': 'offboarding_steps.errors.grant_not_clients' } });
    });
  });

  describe('reinstatement', () => {
    it('restores the picked grants exactly, lifts the ban, re-opens the account and offers, not makes, a re-subscription', async () => {
      const client = await createUser(t, { locale: 'ru' });
      const p1 = await createProduct(t);
      const p2 = await createProduct(t);
      const startsAt = new Date(Date.now() - 30 * DAY);
      const endsAt = new Date(Date.now() + 60 * DAY);
      const g1 = await grantAccess(t, client.id, p1.id, { startsAt, endsAt });
      const g2 = await grantAccess(t, client.id, p2.id);
      const list = await createList(t);
      const sub = await createSubscriber(t, { email: client.email, lists: [list.id] });
      const caseId = newCase();
      const revoke = (await run('revoke', caseId, client.id, input())).out.result as StepResults['revoke'];
      await run('unsubscribe', caseId, client.id, input());
      const ban = (await run('ban', caseId, client.id, input())).out.result as StepResults['ban'];

      const result = await t.db.transaction((m) => reinstater.reinstate(m, actor, { caseId, clientId: client.id, revoke, ban }, { grantIds: [g1.id], liftBan: true, reopenAccount: true, sendWelcomeBack: true }));
      expect(result).toMatchObject({ banLifted: true, accountReopened: true });
      expect(result.grantsRestored).toHaveLength(1);
      const fresh = await t.db.manager.findOneByOrFail(Grant, { id: result.grantsRestored[0].newGrantId });
      expect(fresh).toMatchObject({ clientId: client.id, productId: p1.id, source: 'reinstatement', revokedAt: null });
      expect(fresh.startsAt.toISOString()).toBe(startsAt.toISOString());
      expect(fresh.endsAt!.toISOString()).toBe(endsAt.toISOString());
      expect(await t.db.manager.countBy(GrantEvent, { grantId: fresh.id, kind: 'reinstated' })).toBe(1);
      expect(await t.db.manager.countBy(Grant, { clientId: client.id, productId: p2.id })).toBe(1);
      expect((await t.db.manager.findOneByOrFail(Grant, { id: g2.id })).revokedAt).not.toBeNull();
      expect((await t.db.manager.findOneByOrFail(Ban, { id: ban.banId })).liftedAt).not.toBeNull();
      expect((await t.db.manager.findOneByOrFail(User, { id: client.id })).disabledAt).toBeNull();
      await loginAgent(t, client.email, client.password);

      // not re-subscribed: the list stays left, and only the person's own opt-in lifts the suppression
      expect(await subscriptionStatus(t, sub.id, list.id)).toBe('unsubscribed');
      expect((await t.db.manager.findOneByOrFail(Subscriber, { id: sub.id })).suppressedReason).toBe('unsubscribed');
      const mail = await t.db.manager.findOneByOrFail(OutboxMessage, { id: result.welcomeBackOutboxId! });
      expect(mail).toMatchObject({ to: client.email, template: 'welcome-back', locale: 'ru' });
      const prefs = /http:\/\/kabinet\.test(\/preferences\/[\w.-]+)/.exec(mail.text)![1];
      await request(t.http).get(prefs).expect(200);

      // a grant the revoke step did not end cannot be "reinstated"
      await expect(t.db.transaction((m) => reinstater.reinstate(m, actor, { caseId, clientId: client.id, revoke, ban }, { grantIds: [999999999], liftBan: false, reopenAccount: false, sendWelcomeBack: false }))).rejects.toMatchObject({ kind: 'validation' });
    });
  });

  describe('a whole case through the engine, with the real steps', () => {
    const statuses = (c: { steps: { name: string; status: string }[] }) => Object.fromEntries(c.steps.map((x) => [x.name, x.status]));

    async function busyClient() {
      const client = await createUser(t, { locale: 'en' });
      const p = await createProduct(t);
      const o = await order(client.id, p.id, 120000);
      await grantAccess(t, client.id, p.id);
      await createTicket(t, client.id);
      return { client, o };
    }

    it('runs every step; a manual refund waits for the owner, the notice for the relay', async () => {
      const { client, o } = await busyClient();
      const owner = { ...actor, role: 'owner' as const };
      const { case: c } = await t.app.get(OffboardingService).open(owner, client.id, input());
      expect(statuses(c)).toEqual({ notice: 'waiting', refund: 'waiting', revoke: 'done', unsubscribe: 'done', ban: 'done' });
      expect(c.noticeSent).toMatchObject({ locale: 'en' });
      expect(await t.db.manager.countBy(Refund, { orderId: o.id, idempotencyKey: `offboarding:${c.id}:${o.id}`, status: 'pending' })).toBe(1);
    });

    it('the owner confirms the manual refund: at the next check the refund step is done, and with the notice sent the case is done', async () => {
      const { client, o } = await busyClient();
      const owner = { ...actor, role: 'owner' as const };
      const { case: c } = await t.app.get(OffboardingService).open(owner, client.id, input({ steps: ['refund', 'revoke'] }));
      expect(statuses(c)).toMatchObject({ refund: 'waiting', revoke: 'done' });
      const refund = await t.db.manager.findOneByOrFail(Refund, { idempotencyKey: `offboarding:${c.id}:${o.id}` });
      await t.app.get(RefundsService).confirmManual(refund.id, 'bank-ref-42', actor, client.id);
      await t.app.get(RunCase).runDue(new Date(Date.now() + 61_000));
      const after = await t.app.get(OffboardingService).get(c.id);
      expect(after.status).toBe('done');
      expect(statuses(after)).toMatchObject({ refund: 'done', revoke: 'done' });
      expect(await t.db.manager.countBy(Refund, { orderId: o.id })).toBe(1);
    });

    it('reinstatement is refused while another case is open; a second offboarding after it uses fresh keys and bans anew', async () => {
      const { client } = await busyClient();
      const owner = { ...actor, role: 'owner' as const };
      const svc = t.app.get(OffboardingService);
      const quick = input({ steps: ['revoke', 'unsubscribe', 'ban'] });
      const first = (await svc.open(owner, client.id, quick)).case;
      expect(first.status).toBe('done');

      const later = (await svc.open(owner, client.id, { ...quick, when: new Date(Date.now() + 7 * DAY) })).case;
      expect(later.status).toBe('scheduled');
      const back = { grantIds: [], liftBan: true, reopenAccount: true, sendWelcomeBack: false };
      await expect(svc.reinstate(owner, first.id, back)).rejects.toMatchObject({ status: 409 });
      await svc.cancel(owner, later.id);
      expect((await svc.reinstate(owner, first.id, back)).status).toBe('reinstated');

      const second = (await svc.open(owner, client.id, quick)).case;
      expect(second.status).toBe('done');
      const keys = (c: { steps: { idempotencyKey: string }[] }) => c.steps.map((x) => x.idempotencyKey);
      expect(keys(second).filter((k) => keys(first).includes(k))).toEqual([]);
      const bans = await t.db.manager.find(Ban, { where: { emailKey: emailKey(client.email)!, kind: 'address' }, order: { id: 'ASC' } });
      expect(bans).toHaveLength(2);
      expect(bans[0].liftedAt).not.toBeNull();
      expect(bans[1].liftedAt).toBeNull();
      expect((second.steps.find((x) => x.name === 'ban')!.result as StepResults['ban']).created).toBe(true);
    });

    it.each([['refund:between-call-and-record' as const], ['notice:before-commit' as const]])('a crash at %s, then resume: one refund per key, one notice', async (point) => {
      const { client, o } = await busyClient();
      const owner = { ...actor, role: 'owner' as const };
      const faults = t.app.get(OffboardingFaults);
      faults.arm(point);
      try {
        const first = (await t.app.get(OffboardingService).open(owner, client.id, input())).case;
        if (point === 'refund:between-call-and-record') expect(statuses(first).refund).toBe('running');
        else expect(await outboxFor(t, client.email)).toHaveLength(0);
        await t.app.get(RunCase).execute(first.id);
        const c = await t.app.get(OffboardingService).get(first.id);
        expect(statuses(c)).toMatchObject({ notice: 'waiting', refund: 'waiting', revoke: 'done', unsubscribe: 'done', ban: 'done' });
        expect(await t.db.manager.countBy(Refund, { orderId: o.id })).toBe(1);
        expect((await t.db.manager.findOneByOrFail(Refund, { orderId: o.id })).status).toBe('pending');
        expect((await outboxFor(t, client.email)).filter((x) => x.template === 'offboarding-notice')).toHaveLength(1);
      } finally {
        faults.disarm();
      }
    });
  });
});
