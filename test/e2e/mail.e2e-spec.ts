import { simpleParser } from 'mailparser';
import request from 'supertest';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { MailService } from '../../src/mail/mail.service';
import { OutboxRepository } from '../../src/mail/outbox.repository';
import { LeaseService } from '../../src/database/lease.service';
import { createUser } from '../factories/users';
import { SmtpSink } from '../utils/smtp-sink';
import { loginAgent, startTestApp, TestApp } from '../utils/test-app';

async function queue(t: TestApp, to: string, vars: Record<string, unknown> = {}) {
  await t.db.transaction((m) =>
    t.app.get(MailService).enqueue(m, {
      to,
      template: 'password-reset',
      locale: 'en',
      vars: { name: 'Ann <b>&</b>', link: 'http://kabinet.test/password/reset/abc?x=1&y=2', minutes: 60, ...vars },
    }),
  );
  return t.db.manager.findOneOrFail(OutboxMessage, { where: { to }, order: { id: 'DESC' } });
}

describe('outbox relay through a real SMTP sink', () => {
  let sink: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'kabinet <noreply@kabinet.test>', MAIL_RETRY_BASE_MS: '60000', MAIL_MAX_ATTEMPTS: '5' } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });
  beforeEach(() => {
    sink.behaviour = () => undefined;
  });

  it('delivers queued mail with correct headers, HTML escaped and text unescaped', async () => {
    const msg = await queue(t, 'ann@example.com');
    expect(await t.relay.drain()).toBeGreaterThanOrEqual(1);
    const got = sink.received.find((m) => m.to.includes('ann@example.com'))!;
    expect(got).toBeDefined();
    expect(got.from).toBe('noreply@kabinet.test');
    const parsed = await simpleParser(got.raw);
    expect(parsed.messageId).toBe(msg.messageId);
    expect(parsed.subject).toBe('Set a new password');
    expect(parsed.from?.value[0]).toEqual({ name: 'kabinet', address: 'noreply@kabinet.test' });
    expect(parsed.text).toContain('Hello, Ann <b>&</b>!');
    expect(parsed.text).toContain('http://kabinet.test/password/reset/abc?x=1&y=2');
    expect(parsed.html).toContain('Ann &lt;b&gt;&amp;&lt;/b&gt;');
    expect(got.raw).not.toMatch(/^List-Unsubscribe:/im); // transactional mail carries no list headers
    const row = await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id });
    expect(row.status).toBe('sent');
    expect(row.sentAt).toBeInstanceOf(Date);
  });

  it('retries a temporary 4xx refusal with backoff, then delivers', async () => {
    let refusals = 0;
    sink.behaviour = (m) => (m.to.includes('busy@example.com') && refusals++ < 2 ? { code: 451, message: 'try later' } : undefined);
    const msg = await queue(t, 'busy@example.com');
    await t.relay.drain();
    let row = await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id });
    expect(row.status).toBe('pending');
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain('451');
    const firstDelay = row.nextAttemptAt.getTime() - Date.now();
    expect(firstDelay).toBeGreaterThan(50_000); // MAIL_RETRY_BASE_MS = 60 s
    // nothing is due before the backoff ends
    await t.relay.drain();
    expect((await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id })).attempts).toBe(1);

    await t.relay.drain(() => new Date(Date.now() + 61_000));
    row = await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id });
    expect(row.attempts).toBe(2);
    expect(row.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(2 * 60_000); // backoff doubled
    await t.relay.drain(() => new Date(Date.now() + 3 * 3600_000));
    row = await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id });
    expect(row.status).toBe('sent');
    expect(row.attempts).toBe(3);
    expect(sink.received.filter((r) => r.to.includes('busy@example.com'))).toHaveLength(1);
  });

  it('records a permanent 5xx refusal as failed without retrying', async () => {
    let tries = 0;
    sink.behaviour = (m) => (m.to.includes('gone@example.com') ? (tries++, { code: 550, message: 'no such user' }) : undefined);
    const msg = await queue(t, 'gone@example.com');
    await t.relay.drain();
    const row = await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id });
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(1);
    expect(row.lastError).toContain('550');
    // not even once every backoff is long over
    await t.relay.drain(() => new Date(Date.now() + 30 * 24 * 3600_000));
    expect((await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id })).attempts).toBe(1);
    expect(tries).toBe(1);
  });

  it('gives up after MAIL_MAX_ATTEMPTS temporary failures', async () => {
    sink.behaviour = (m) => (m.to.includes('flaky@example.com') ? { code: 421, message: 'closing' } : undefined);
    const msg = await queue(t, 'flaky@example.com');
    for (let i = 1; i <= 8; i++) await t.relay.drain(() => new Date(Date.now() + i * 24 * 3600_000));
    const row = await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id });
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(5);
  });

  it('a message claimed by a relay that crashed is sent again after the claim goes stale, with the same Message-ID', async () => {
    const msg = await queue(t, 'crash@example.com');
    const repo = t.app.get(OutboxRepository);
    const claimed = await repo.claimDue(new Date(), 100);
    expect(claimed.map((c) => c.id)).toContain(msg.id);
    // the "crashed" relay never reports back; a second relay sees nothing due yet
    await t.relay.drain();
    expect(sink.received.filter((r) => r.to.includes('crash@example.com'))).toHaveLength(0);
    // ten minutes later the claim is stale and the message goes out
    await t.relay.drain(() => new Date(Date.now() + 10 * 60_000));
    const got = sink.received.filter((r) => r.to.includes('crash@example.com'));
    expect(got).toHaveLength(1);
    expect((await simpleParser(got[0].raw)).messageId).toBe(msg.messageId);
  });

  it('two relays draining at once send every message exactly once', async () => {
    const before = sink.received.length;
    for (let i = 0; i < 30; i++) await queue(t, `many${i}@example.com`);
    await Promise.all([t.relay.drain(), t.relay.drain(), t.relay.drain()]);
    const got = sink.received.slice(before).map((r) => r.to[0]);
    expect(got).toHaveLength(30);
    expect(new Set(got).size).toBe(30);
  });

  it('an idempotency key queues a mail only once', async () => {
    const send = () =>
      t.db.transaction((m) =>
        t.app.get(MailService).enqueue(m, { to: 'once@example.com', template: 'password-changed', locale: 'ru', idempotencyKey: 'order:42:welcome', vars: {} }),
      );
    expect(await send()).toBe(true);
    expect(await send()).toBe(false);
    expect(await t.db.manager.countBy(OutboxMessage, { to: 'once@example.com' })).toBe(1);
  });

  it('mail is written in the same transaction as its cause: a rollback leaves no mail', async () => {
    await expect(
      t.db.transaction(async (m) => {
        await t.app.get(MailService).enqueue(m, { to: 'rollback@example.com', template: 'password-changed', locale: 'en', vars: {} });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await t.db.manager.countBy(OutboxMessage, { to: 'rollback@example.com' })).toBe(0);
  });
});

describe('outbox without SMTP: the built-in viewer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps mail and shows it at /admin/outbox with HTML, text and raw headers', async () => {
    const msg = await queue(t, 'viewer@example.com', { name: 'Пётр <script>alert(1)</script>' });
    await t.relay.drain();
    const row = await t.db.manager.findOneByOrFail(OutboxMessage, { id: msg.id });
    expect(row.status).toBe('kept');

    const owner = await createUser(t, { role: 'owner' });
    const a = await loginAgent(t, owner.email, owner.password);
    const list = await a.get('/admin/outbox?status=kept').expect(200);
    expect(list.text).toContain('viewer@example.com');
    expect(list.text).toContain(`/admin/outbox/${msg.id}`);

    const html = await a.get(`/admin/outbox/${msg.id}`).expect(200);
    expect(html.text).toMatch(/<iframe class="mail-frame" sandbox /);
    expect(html.text).not.toContain('<script>alert(1)</script>');
    const text = await a.get(`/admin/outbox/${msg.id}?view=text`).expect(200);
    expect(text.text).toContain('Пётр &lt;script&gt;');
    const headers = await a.get(`/admin/outbox/${msg.id}?view=headers`).expect(200);
    expect(headers.text).toContain('Message-ID: ' + msg.messageId.replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(headers.text).toContain('Subject: Set a new password');
    await a.get('/admin/outbox/987654').expect(404);
  });

  it('the scheduler lease lets one instance run a tick', async () => {
    const leases = t.app.get(LeaseService);
    const now = new Date();
    let runs = 0;
    const job = async () => {
      runs++;
    };
    const results = await Promise.all([leases.runOncePerTick('test-job', 60_000, job, now), leases.runOncePerTick('test-job', 60_000, job, now)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(runs).toBe(1);
    // the same tick again: skipped; the next tick: runs
    expect(await leases.runOncePerTick('test-job', 60_000, job, now)).toBe(false);
    expect(await leases.runOncePerTick('test-job', 60_000, job, new Date(now.getTime() + 60_000))).toBe(true);
    expect(runs).toBe(2);
  });

  it('a client cannot read the outbox', async () => {
    const c = await createUser(t);
    const agent = await loginAgent(t, c.email, c.password);
    await agent.get('/admin/outbox').expect(403);
    await request(t.http).get('/admin/outbox').expect(303);
  });
});
