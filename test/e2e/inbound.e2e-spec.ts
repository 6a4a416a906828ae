import { CampaignRecipient } from '../../src/mailing/campaigns/entities/campaign-recipient.entity';
import { AddressTokens } from '../../src/inbound/address-tokens';
import { InboundMessage } from '../../src/inbound/entities/inbound-message.entity';
import { InboundMessagesRepository } from '../../src/inbound/inbound-messages.repository';
import { InboundRegistry } from '../../src/inbound/inbound-registry';
import { InboundServer } from '../../src/inbound/inbound.server';
import { accept } from '../../src/inbound/inbound.types';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { OutboxRepository } from '../../src/mail/outbox.repository';
import { CampaignSender } from '../../src/mailing/sender/campaign-sender';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { SubscriptionsService } from '../../src/mailing/subscribers/subscriptions.service';
import { seedList, startCampaign } from '../factories/campaigns';
import { consentEvents, subscriptionStatus } from '../factories/mailing';
import { ehlo, inboundFixture, personMail, sendRaw } from '../utils/inbound-client';
import { SmtpSink } from '../utils/smtp-sink';
import { startTestApp, TEST_SECRET, TestApp } from '../utils/test-app';

const DOMAIN = 'in.kabinet.test';
const DAY = 86_400_000;

/** The inbound listener with a real SMTP client: RCPT-time refusals, size limit, duplicates, mailto unsubscribe, bounces. */
describe('inbound mail listener', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let port: number;
  const tokens = new AddressTokens(TEST_SECRET);

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({
      env: { SMTP_URL: sink.url, MAIL_FROM: 'Kabinet <news@kabinet.test>', INBOUND_PORT: '0', INBOUND_DOMAIN: DOMAIN, INBOUND_MAX_BYTES: '65536' },
    });
    port = t.app.get(InboundServer).port!;
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const stored = () => t.db.manager.find(InboundMessage, { order: { id: 'ASC' } });
  const suppression = async (id: number) => (await t.db.manager.findOneByOrFail(Subscriber, { id })).suppressedReason;
  let seq = 0;

  /** A list of `names`, subscribed, and a campaign to them sent through the sink: each one's row and mail. */
  async function sendCampaign(names: string[]) {
    const key = `l${++seq}`;
    const list = await seedList(t.db, `List ${key}`, key);
    const subs = [];
    for (const n of names) {
      const { subscriber } = await t.db.transaction((m) =>
        t.app.get(SubscriptionsService).subscribe(m, { email: `${n}.${key}@example.net`, listIds: [list.id] }, { source: 'admin', ip: '' }),
      );
      subs.push(subscriber);
    }
    const { id } = await startCampaign(t.db, { subject: `News ${key}`, body: 'Hello', listIds: [list.id] });
    await t.app.get(CampaignSender).sendCampaign(id);
    const rows = await t.db.manager.find(CampaignRecipient, { where: { campaignId: id } });
    return subs.map((s) => {
      const row = rows.find((r) => r.subscriberId === s.id)!;
      const mail = sink.received.find((r) => r.to.includes(s.email))!;
      return { subscriber: s, row, mail, list };
    });
  }

  const rowStatus = async (id: number) => (await t.db.manager.findOneByOrFail(CampaignRecipient, { id })).status;

  it('announces SIZE and refuses a message over INBOUND_MAX_BYTES with 552, keeping nothing', async () => {
    expect(await ehlo(port)).toMatch(/^250[- ]SIZE 65536\r?$/m);
    const before = (await stored()).length;
    const big = personMail({ from: 'a@client.test', to: 'unsubscribe@in.kabinet.test', subject: 'big', text: 'x'.repeat(76).concat('\r\n').repeat(1200) });
    const res = await sendRaw(port, { from: 'a@client.test', to: ['unsubscribe@in.kabinet.test'] }, big);
    expect(res).toMatchObject({ ok: false, code: 552 });
    expect(await stored()).toHaveLength(before);
  });

  it('refuses at RCPT TO an address nobody claims, a reply+ address nobody issued, and forged or expired bounce tokens', async () => {
    const to = async (rcpt: string) => sendRaw(port, { from: 'a@client.test', to: [rcpt] }, personMail({ from: 'a@client.test', to: rcpt, subject: 'x', text: 'x' }));
    expect(await to('nobody@in.kabinet.test')).toMatchObject({ ok: false, code: 550 });
    expect((await to('nobody@in.kabinet.test')).response).toMatch(/5\.1\.1 No such recipient/);
    expect(await to(`reply+${tokens.make('reply', 't1')}@${DOMAIN}`)).toMatchObject({ ok: false, code: 550 });
    const forged = await to(`bounce+r1-${Math.floor(Date.now() / DAY).toString(36)}-aaaaaaaaaaaaaaaa@${DOMAIN}`);
    expect(forged).toMatchObject({ ok: false, code: 550 });
    expect(forged.response).toMatch(/5\.1\.1 .*not issued here/);
    // Signed with another secret: forged too.
    expect(await to(`bounce+${new AddressTokens('x'.repeat(40)).make('bounce', 'r1')}@${DOMAIN}`)).toMatchObject({ ok: false, code: 550 });
    const expired = await to(`bounce+${tokens.make('bounce', 'r1', new Date(Date.now() - 200 * DAY))}@${DOMAIN}`);
    expect(expired).toMatchObject({ ok: false, code: 550 });
    expect(expired.response).toMatch(/5\.7\.1 .*expired/);
    // The token of another domain's bounce address is not ours to judge.
    expect(await to(`bounce+${tokens.make('bounce', 'r1')}@other.test`)).toMatchObject({ ok: false, code: 550 });
  });

  it('sends campaign mail with a VERP envelope sender (bounce+token@INBOUND_DOMAIN) and the From unchanged', async () => {
    const [{ mail, row }] = await sendCampaign(['vera']);
    expect(mail.from).toMatch(new RegExp(`^bounce\\+r${row.id}-[0-9a-z]+-[a-z2-7]{16}@${DOMAIN.replace(/\./g, '\\.')}$`));
    expect(mail.raw).toMatch(/^From: Kabinet <news@kabinet\.test>\r?$/m);
    // With the listener on, List-Unsubscribe's mailto: goes to an address the listener reads.
    expect(mail.raw).toContain(`mailto:unsubscribe@${DOMAIN}?subject=unsubscribe%20`);
  });

  it('a Postfix DSN hard bounce suppresses exactly the one address and marks its campaign row bounced', async () => {
    const [maria, other] = await sendCampaign(['maria', 'other']);
    const raw = inboundFixture('postfix-hard-bounce.eml', { BOUNCE_ADDRESS: maria.mail.from, RECIPIENT: maria.subscriber.email });
    const res = await sendRaw(port, { from: '', to: [maria.mail.from] }, raw);
    expect(res).toMatchObject({ ok: true, code: 250 });
    expect(await suppression(maria.subscriber.id)).toBe('bounced');
    expect(await suppression(other.subscriber.id)).toBeNull();
    expect(await rowStatus(maria.row.id)).toBe('bounced');
    expect(await rowStatus(other.row.id)).toBe('sent');
    const events = await consentEvents(t, maria.subscriber.id);
    expect(events.at(-1)).toMatchObject({ action: 'suppressed', source: 'bounce', campaignId: maria.row.campaignId });
    const msg = (await stored()).at(-1)!;
    expect(msg).toMatchObject({ handler: 'mailing.bounce', status: 'handled', outcome: 'hard-bounce', isAutomatic: true, envelopeFrom: '' });
    expect(msg.detail).toContain('5.1.1');

    // The same report delivered again (the MTA retried, or it came to two of our addresses): stored and handled once.
    const again = await sendRaw(port, { from: '', to: [maria.mail.from] }, raw);
    expect(again).toMatchObject({ ok: true, code: 250 });
    const relayed = `Received: from relay.example.net by mx.school.example; Tue, 1 Dec 2026 10:20:00 +0000\r\n${raw}`;
    expect(await sendRaw(port, { from: '', to: [maria.mail.from] }, relayed)).toMatchObject({ ok: true });
    expect((await stored()).filter((m) => m.messageId === msg.messageId)).toHaveLength(1);
    expect(await consentEvents(t, maria.subscriber.id)).toHaveLength(events.length);
  });

  it('a Gmail DSN hard bounce suppresses its address; a soft bounce (delayed, 4.2.2) suppresses nothing', async () => {
    const [gina, sam] = await sendCampaign(['gina', 'sam']);
    const hard = inboundFixture('gmail-hard-bounce.eml', { BOUNCE_ADDRESS: gina.mail.from, RECIPIENT: gina.subscriber.email });
    expect(await sendRaw(port, { from: '', to: [gina.mail.from] }, hard)).toMatchObject({ ok: true });
    expect(await suppression(gina.subscriber.id)).toBe('bounced');
    expect(await rowStatus(gina.row.id)).toBe('bounced');

    const soft = inboundFixture('postfix-delayed.eml', { BOUNCE_ADDRESS: sam.mail.from, RECIPIENT: sam.subscriber.email });
    expect(await sendRaw(port, { from: '', to: [sam.mail.from] }, soft)).toMatchObject({ ok: true });
    expect(await suppression(sam.subscriber.id)).toBeNull();
    expect(await rowStatus(sam.row.id)).toBe('sent');
    expect((await stored()).at(-1)).toMatchObject({ outcome: 'soft-bounce', status: 'handled' });
  });

  it('an ARF complaint suppresses its address as complained', async () => {
    const [carl, dan] = await sendCampaign(['carl', 'dan']);
    const raw = inboundFixture('arf-complaint.eml', { BOUNCE_ADDRESS: carl.mail.from, RECIPIENT: carl.subscriber.email });
    expect(await sendRaw(port, { from: 'feedback@mail.example.org', to: [carl.mail.from] }, raw)).toMatchObject({ ok: true });
    expect(await suppression(carl.subscriber.id)).toBe('complained');
    expect(await suppression(dan.subscriber.id)).toBeNull();
    expect((await consentEvents(t, carl.subscriber.id)).at(-1)).toMatchObject({ source: 'complaint', action: 'suppressed' });
  });

  it('a transactional mail bounces to its outbox row: the row is marked and the address suppressed for marketing', async () => {
    await t.db.transaction((m) =>
      t.app.get(OutboxRepository).insert(m, {
        messageId: '<welcome-1@kabinet.test>', idempotencyKey: null, mailClass: 'transactional', template: 'welcome', locale: 'en',
        from: 'Kabinet <news@kabinet.test>', to: 'olga@example.net', subject: 'Welcome', html: '<p>Hi</p>', text: 'Hi', headers: '{}',
      }),
    );
    await t.relay.drain();
    const mail = sink.received.find((r) => r.to.includes('olga@example.net'))!;
    const row = await t.db.manager.findOneByOrFail(OutboxMessage, { to: 'olga@example.net' });
    expect(mail.from).toMatch(new RegExp(`^bounce\\+o${row.id}-`));
    const raw = inboundFixture('postfix-hard-bounce.eml', { BOUNCE_ADDRESS: mail.from, RECIPIENT: 'olga@example.net' }).replace(/4Ft5Qd2Kx9z9sWc@/, 'olga-bounce@');
    expect(await sendRaw(port, { from: '', to: [mail.from] }, raw)).toMatchObject({ ok: true });
    const after = await t.db.manager.findOneByOrFail(OutboxMessage, { id: row.id });
    expect(after.bouncedAt).toBeInstanceOf(Date);
    expect(after.bounceDetail).toContain('5.1.1');
    expect((await t.db.manager.findOneByOrFail(Subscriber, { email: 'olga@example.net' })).suppressedReason).toBe('bounced');
  });

  it('a mailto: unsubscribe (as Gmail sends it: the subject of the mailto URL) unsubscribes exactly the one address, as the one-click POST does', async () => {
    const [una, ben] = await sendCampaign(['una', 'ben']);
    const header = /^List-Unsubscribe: (.*)$/m.exec(una.mail.raw.replace(/\r?\n[ \t]+/g, ' '))![1];
    const [, mailto, subject] = /<mailto:([^?]+)\?subject=([^>]+)>/.exec(header)!;
    const raw = personMail({ from: `Una <${una.subscriber.email}>`, to: mailto, subject: decodeURIComponent(subject), text: 'This message was automatically generated by Gmail.' });
    const res = await sendRaw(port, { from: una.subscriber.email, to: [mailto] }, raw);
    expect(res).toMatchObject({ ok: true, code: 250 });
    expect(await subscriptionStatus(t, una.subscriber.id, una.list.id)).toBe('unsubscribed');
    expect(await subscriptionStatus(t, ben.subscriber.id, ben.list.id)).toBe('confirmed');
    expect((await consentEvents(t, una.subscriber.id)).at(-1)).toMatchObject({ action: 'unsubscribed', source: 'one-click', listId: una.list.id, campaignId: una.row.campaignId });
    expect((await stored()).at(-1)).toMatchObject({ handler: 'mailing.unsubscribe', outcome: 'unsubscribed', isAutomatic: false });
  });

  it('a mailto: unsubscribe without a valid token is refused at DATA time with 550 5.7.1; a machine\'s mail without one is accepted and ignored', async () => {
    const human = personMail({ from: 'x@client.test', to: `unsubscribe@${DOMAIN}`, subject: 'unsubscribe 1.2.3.AAAAAAAAAAAAAAAAAAAAAA', text: 'please remove me' });
    const res = await sendRaw(port, { from: 'x@client.test', to: [`unsubscribe@${DOMAIN}`] }, human);
    expect(res).toMatchObject({ ok: false, code: 550 });
    expect(res.response).toMatch(/5\.7\.1 No valid unsubscribe token/);

    const ooo = inboundFixture('out-of-office.eml', { RECIPIENT: 'maria@example.net', TO: `unsubscribe@${DOMAIN}` });
    expect(await sendRaw(port, { from: 'maria@example.net', to: [`unsubscribe@${DOMAIN}`] }, ooo)).toMatchObject({ ok: true });
    const msg = (await stored()).at(-1)!;
    expect(msg).toMatchObject({ isAutomatic: true, outcome: 'ignored', status: 'handled' });
    expect(msg.detail).toContain('auto-submitted: auto-replied');
  });

  it('a handler that fails answers 451 and the listener goes on; the retry handles the stored message', async () => {
    let calls = 0;
    t.app.get(InboundRegistry).register({
      name: 'test.flaky',
      claim: (rcpt) => (rcpt.address === `flaky@${DOMAIN}` ? accept(1) : null),
      handle: async () => {
        if (++calls === 1) throw new Error('database went away');
        return { outcome: 'ok' };
      },
    });
    const raw = personMail({ from: 'p@client.test', to: `flaky@${DOMAIN}`, subject: 'flaky', text: 'hello', messageId: '<flaky-1@client.test>' });
    const first = await sendRaw(port, { from: 'p@client.test', to: [`flaky@${DOMAIN}`] }, raw);
    expect(first).toMatchObject({ ok: false, code: 451 });
    expect((await stored()).at(-1)).toMatchObject({ messageId: 'flaky-1@client.test', status: 'failed' });
    const retry = await sendRaw(port, { from: 'p@client.test', to: [`flaky@${DOMAIN}`] }, raw);
    expect(retry).toMatchObject({ ok: true });
    const rows = (await stored()).filter((m) => m.messageId === 'flaky-1@client.test');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'handled', outcome: 'ok' });
    expect(calls).toBe(2);
  });

  it('the database itself refuses a second row with the same Message-ID and content hash', async () => {
    const repo = t.app.get(InboundMessagesRepository);
    const row = {
      receivedAt: new Date(), envelopeFrom: 'a@b.c', envelopeTo: 'x@y.z', messageId: 'dup@client.test', contentSha256: 'f'.repeat(64),
      size: 1, rawPath: 'inbound/x.eml', isAutomatic: false, subject: 's', handler: 'h',
    };
    expect(await repo.insert(row)).toEqual(expect.any(Number));
    expect(await repo.insert(row)).toBeNull();
    await expect(
      t.db.write((m) =>
        m.query(
          `INSERT INTO inbound_messages (received_at, envelope_from, envelope_to, message_id, content_sha256, size, raw_path, is_automatic, subject, handler, status)
           VALUES (?, 'a', 'b', 'dup@client.test', ?, 1, 'p', 0, 's', 'h', 'received')`,
          ['2026-12-01 00:00:00', 'f'.repeat(64)],
        ),
      ),
    ).rejects.toThrow(/unique|duplicate/i);
  });
});

describe('inbound mail listener: LMTP and off by default', () => {
  it('is off unless INBOUND_PORT is set: no port is opened', async () => {
    const t = await startTestApp();
    try {
      expect(t.config.inbound.port).toBeNull();
      expect(t.app.get(InboundServer).port).toBeNull();
      // Without the listener there is no VERP return path either.
      expect(t.config.unsubscribeMailto).not.toContain('unsubscribe@');
    } finally {
      await t.close();
    }
  });

  it('speaks LMTP when INBOUND_LMTP=true: LHLO, a reply per recipient, refusals at RCPT', async () => {
    const t = await startTestApp({ env: { INBOUND_PORT: '0', INBOUND_LMTP: 'true', INBOUND_DOMAIN: DOMAIN } });
    try {
      const port = t.app.get(InboundServer).port!;
      expect(await ehlo(port, 'LHLO')).toMatch(/^250[- ]SIZE 26214400\r?$/m);
      const ooo = inboundFixture('out-of-office.eml', { RECIPIENT: 'maria@example.net', TO: `unsubscribe@${DOMAIN}` });
      expect(await sendRaw(port, { from: 'maria@example.net', to: [`unsubscribe@${DOMAIN}`] }, ooo, { lmtp: true })).toMatchObject({ ok: true });
      const rows = await t.db.manager.find(InboundMessage);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ isAutomatic: true, outcome: 'ignored' });
      expect(await sendRaw(port, { from: 'a@client.test', to: [`nobody@${DOMAIN}`] }, ooo, { lmtp: true })).toMatchObject({ ok: false, code: 550 });
      const human = personMail({ from: 'x@client.test', to: `unsubscribe@${DOMAIN}`, subject: 'unsubscribe', text: 'me' });
      expect(await sendRaw(port, { from: 'x@client.test', to: [`unsubscribe@${DOMAIN}`] }, human, { lmtp: true })).toMatchObject({ ok: false, code: 550 });
    } finally {
      await t.close();
    }
  });
});

