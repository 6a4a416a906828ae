import { simpleParser } from 'mailparser';
import request from 'supertest';
import { In } from 'typeorm';
import { seedList, seedSubscribers, startCampaign } from '../factories/campaigns';
import { CampaignsRepository } from '../../src/mailing/campaigns/campaigns.repository';
import { CampaignRecipient } from '../../src/mailing/campaigns/entities/campaign-recipient.entity';
import { MailingList } from '../../src/mailing/lists/entities/mailing-list.entity';
import { MailingTokens } from '../../src/mailing/mailing-tokens';
import { CampaignSender } from '../../src/mailing/sender/campaign-sender';
import { RecipientsRepository } from '../../src/mailing/sender/recipients.repository';
import { SubscriptionsService } from '../../src/mailing/subscribers/subscriptions.service';
import { createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { ReceivedMail, SmtpSink } from '../utils/smtp-sink';
import { csrfFrom, startTestApp, TestApp } from '../utils/test-app';

/** Header lines as they were on the wire, unfolded (RFC 5322 §2.2.3), by lower-cased name (names are case-insensitive). */
function rawHeaders(raw: string): Map<string, string[]> {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const out = new Map<string, string[]>();
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).toLowerCase();
    out.set(name, [...(out.get(name) ?? []), line]);
  }
  return out;
}

async function subscribe(t: TestApp, email: string, listIds: number[], name = '') {
  return t.db.transaction((m) => t.app.get(SubscriptionsService).subscribe(m, { email, name, listIds }, { source: 'admin', ip: '' }));
}

async function newList(t: TestApp, name: string, key: string): Promise<MailingList> {
  return seedList(t.db, name, key);
}

const mailTo = (sink: SmtpSink, email: string) => sink.received.filter((m) => m.to.includes(email));

describe('campaign sending through a real SMTP sink', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let sender: CampaignSender;
  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'Kabinet <news@kabinet.test>', MAIL_RETRY_BASE_MS: '60000', MAIL_MAX_ATTEMPTS: '3' } });
    sender = t.app.get(CampaignSender);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });
  beforeEach(() => {
    sink.behaviour = () => undefined;
  });

  it('sends each recipient one marketing mail with the exact list headers, and skips the suppressed and unsubscribed', async () => {
    const weekly = await newList(t, 'Weekly news', 'weekly');
    const other = await newList(t, 'Новости', 'novosti');
    await subscribe(t, 'ann@example.com', [weekly.id, other.id], 'Ann');
    await subscribe(t, 'bob@example.com', [weekly.id], 'Bob');
    const { subscriber: gone } = await subscribe(t, 'gone@example.com', [weekly.id]);
    const { subscriber: blocked } = await subscribe(t, 'blocked@example.com', [weekly.id]);
    await t.db.transaction((m) => t.app.get(SubscriptionsService).unsubscribe(m, gone.id, { listId: weekly.id }, { source: 'admin', ip: '' }));
    await t.db.transaction((m) => t.app.get(SubscriptionsService).suppress(m, blocked.id, 'complained', { source: 'admin', ip: '' }));
    // A client reached through a product, and a client who is also on the list (one mail, through the list).
    const product = await createProduct(t, { slug: 'course-send' });
    const client = await createUser(t, { email: 'client@example.com', name: 'Cleo', role: 'client' });
    await grantAccess(t, client.id, product.id);
    const both = await createUser(t, { email: 'bob@example.com', name: 'Bob', role: 'client' }).catch(() => null);
    if (both) await grantAccess(t, both.id, product.id);

    const { id, recipients } = await startCampaign(t.db, {
      subject: 'Hello {{name}}',
      preheader: 'This week',
      body: 'Dear **{{name}}**, news for {{email}}.\n\n[Manage]({{preferences_url}})',
      listIds: [weekly.id, other.id],
      productIds: [product.id],
    });
    expect(recipients).toBe(3); // ann (once, though on two lists), bob, cleo; not gone, not blocked

    await sender.runUntilDone(id, { pollMs: 20 });
    expect(await t.app.get(CampaignsRepository).statusOf(id)).toBe('sent');
    expect(mailTo(sink, 'gone@example.com')).toHaveLength(0);
    expect(mailTo(sink, 'blocked@example.com')).toHaveLength(0);
    for (const email of ['ann@example.com', 'bob@example.com', 'client@example.com']) expect(mailTo(sink, email)).toHaveLength(1);

    const tokens = t.app.get(MailingTokens);
    const ann = mailTo(sink, 'ann@example.com')[0];
    const annRow = await t.db.manager.findOneOrFail(CampaignRecipient, { where: { campaignId: id, listId: weekly.id }, order: { id: 'ASC' } });
    const token = tokens.unsubscribe({ subscriberId: annRow.subscriberId, campaignId: id, listId: weekly.id });
    const h = rawHeaders(ann.raw);
    expect(h.get('list-unsubscribe')).toEqual([`List-Unsubscribe: <http://kabinet.test/u/${token}>, <mailto:news@kabinet.test?subject=unsubscribe%20${token}>`]);
    expect(h.get('list-unsubscribe-post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    expect(h.get('list-id')).toEqual([expect.stringMatching(/^List-Id: "Weekly news" <weekly\.kabinet\.test>$/i)]);
    expect(h.get('message-id')?.[0]).toMatch(new RegExp(`^Message-ID: <c${id}\\.r${annRow.id}\\.[\\w-]{10}@kabinet\\.test>$`));
    const parsed = await simpleParser(ann.raw);
    expect(parsed.subject).toBe('Hello Ann');
    expect(parsed.html).toContain('Dear <strong>Ann</strong>, news for ann@example.com.');
    expect(parsed.html).toContain(`href="http://kabinet.test/u/${token}"`);
    // the preferences link goes through the same token (one signature per mail) and on to the preferences page
    expect(parsed.html).toContain(`href="http://kabinet.test/u/${token}/preferences"`);
    expect(parsed.text).toContain(`Unsubscribe: http://kabinet.test/u/${token}\n`);
    expect(parsed.text).toContain(`Mail preferences: http://kabinet.test/u/${token}/preferences`);
    const hop = await request(t.http).get(`/u/${token}/preferences`).expect(303);
    expect(hop.headers.location).toBe(`/preferences/${tokens.preferences(annRow.subscriberId)}`);
    expect(hop.headers['cache-control']).toBe('no-store');
    expect((await request(t.http).get(hop.headers.location).expect(200)).text).toContain('ann@example.com');
    await request(t.http).get(`/u/${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}/preferences`).expect(404);

    // The product client's mail names no list: its List-Id is the clients' one, its token unsubscribes from all.
    const cleo = rawHeaders(mailTo(sink, 'client@example.com')[0].raw);
    expect(cleo.get('list-id')).toEqual([expect.stringMatching(/^List-Id: <clients\.kabinet\.test>$/i)]);
    const ids = new Set(sink.received.map((m) => rawHeaders(m.raw).get('message-id')![0]));
    expect(ids.size).toBe(sink.received.length);

    const stats = await t.app.get(RecipientsRepository).stats(id);
    expect(stats).toMatchObject({ recipients: 3, sent: 3, failed: 0, bounced: 0, pending: 0, sending: 0 });
  });

  it('never blocks transactional mail: an address unsubscribed from everything still gets its password reset', async () => {
    const user = await createUser(t, { email: 'noads@example.com', role: 'client' });
    const { subscriber } = await subscribe(t, user.email, [(await newList(t, 'Ads', 'ads')).id]);
    await t.db.transaction((m) => t.app.get(SubscriptionsService).unsubscribe(m, subscriber.id, 'all', { source: 'admin', ip: '' }));
    const agent = request.agent(t.http);
    const page = await agent.get('/password/forgot');
    const res = await agent.post('/password/forgot').type('form').send({ email: user.email, _csrf: csrfFrom(page.text) });
    expect(res.status).toBeLessThan(400);
    await t.relay.drain();
    const got = mailTo(sink, user.email);
    expect(got).toHaveLength(1);
    expect(got[0].raw).not.toMatch(/^List-(Unsubscribe|Id)/im);
  });

  it('links a subscriber to the client account that came later', async () => {
    const list = await newList(t, 'Later', 'later');
    const { subscriber } = await subscribe(t, 'later@example.com', [list.id]);
    expect(subscriber.userId).toBeNull();
    const user = await createUser(t, { email: 'later@example.com', role: 'client' });
    const again = await subscribe(t, 'Later@Example.com', [list.id]);
    expect(again.subscriber.id).toBe(subscriber.id);
    expect(again.subscriber.userId).toBe(user.id);
  });

  it('encodes a non-ASCII list name in List-Id', async () => {
    const list = await newList(t, 'Новости школы', 'school');
    await subscribe(t, 'ru@example.com', [list.id]);
    const { id } = await startCampaign(t.db, { subject: 'Привет', body: 'Текст', listIds: [list.id] });
    await sender.runUntilDone(id, { pollMs: 20 });
    const got = mailTo(sink, 'ru@example.com')[0];
    expect(rawHeaders(got.raw).get('list-id')?.[0]).toMatch(/^List-Id: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <school\.kabinet\.test>$/i);
    const parsed = await simpleParser(got.raw);
    // mailparser gathers the List-* headers under `list` (it leaves the phrase encoded: RFC 2047 §5(3) word).
    const listId = (parsed.headers.get('list') as { id: { id: string; name: string } }).id;
    expect(listId.id).toBe('school.kabinet.test');
    const b64 = /^=\?UTF-8\?B\?([^?]+)\?=$/.exec(listId.name)![1];
    expect(Buffer.from(b64, 'base64').toString('utf8')).toBe('Новости школы');
  });

  it('counts a 5xx as a bounce, retries a 4xx later, and gives up after the attempts run out', async () => {
    const list = await newList(t, 'Errors', 'errors');
    for (const e of ['hard@example.com', 'soft@example.com', 'never@example.com']) await subscribe(t, e, [list.id]);
    let softTries = 0;
    sink.behaviour = (m) => {
      if (m.to.includes('hard@example.com')) return { code: 550, message: 'no such user' };
      if (m.to.includes('soft@example.com') && softTries++ < 1) return { code: 451, message: 'greylisted' };
      if (m.to.includes('never@example.com')) return { code: 421, message: 'busy' };
      return undefined;
    };
    const { id } = await startCampaign(t.db, { subject: 'S', body: 'B', listIds: [list.id] });
    let now = Date.now();
    const clock = () => new Date(now);
    await sender.sendCampaign(id, clock);
    let stats = await t.app.get(RecipientsRepository).stats(id);
    expect(stats).toMatchObject({ bounced: 1, pending: 2, sent: 0 });
    now += 61_000; // the first retry is due after MAIL_RETRY_BASE_MS
    await sender.sendCampaign(id, clock);
    stats = await t.app.get(RecipientsRepository).stats(id);
    expect(stats).toMatchObject({ bounced: 1, sent: 1, pending: 1 });
    now += 121_000;
    await sender.sendCampaign(id, clock);
    stats = await t.app.get(RecipientsRepository).stats(id);
    expect(stats).toMatchObject({ bounced: 1, sent: 1, failed: 1, pending: 0 });
    expect(await t.app.get(CampaignsRepository).statusOf(id)).toBe('sent');
    const row = await t.db.manager.findOneOrFail(CampaignRecipient, { where: { campaignId: id, status: 'bounced' } });
    expect(row.lastError).toContain('550');
  });

  it('several senders on one campaign send every row exactly once', async () => {
    const list = await newList(t, 'Shared', 'shared');
    await seedSubscribers(t.db, list.id, 600, 'shared');
    const { id, recipients } = await startCampaign(t.db, { subject: 'S', body: 'B', listIds: [list.id] });
    expect(recipients).toBe(600);
    const before = sink.received.length;
    // Three senders at once, as three instances would run (on MariaDB each claim is its own transaction).
    await Promise.all([sender.sendCampaign(id), sender.sendCampaign(id), sender.sendCampaign(id)]);
    await sender.runUntilDone(id, { pollMs: 20 });
    const got = sink.received.slice(before).flatMap((m: ReceivedMail) => m.to);
    expect(got).toHaveLength(600);
    expect(new Set(got).size).toBe(600);
  });

  it('stops mailing a person once their one-click unsubscribe got its 200, while the campaign is being sent', async () => {
    const list = await newList(t, 'Busy', 'busy');
    await seedSubscribers(t.db, list.id, 2000, 'busy');
    const { id } = await startCampaign(t.db, { subject: 'S', body: 'B', listIds: [list.id] });
    const tokens = t.app.get(MailingTokens);
    const rows = await t.db.manager.find(CampaignRecipient, { where: { campaignId: id }, order: { id: 'ASC' } });
    // 200 people spread over the send, from row 400 on. The SMTP server stalls after 300 mails, so while they
    // click, the sender has some of their rows claimed (its next batch is claimed early), none on the wire.
    const chosen = rows.filter((_r, i) => i >= 400 && i % 8 === 0).slice(0, 200);
    expect(chosen).toHaveLength(200);
    const chosenIds = chosen.map((r) => r.id);
    const subs: { subscriber_id: number; email: string }[] = await t.db.manager.query(
      `SELECT r.subscriber_id, s.email FROM campaign_recipients r JOIN subscribers s ON s.id = r.subscriber_id WHERE r.campaign_id = ?`,
      [id],
    );
    const email = new Map(subs.map((s) => [Number(s.subscriber_id), s.email]));
    const statusesOfChosen = async () => {
      const found = await t.db.manager.find(CampaignRecipient, { where: { id: In(chosenIds) } });
      return found.reduce<Record<string, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {});
    };

    const before = sink.received.length;
    const release = sink.holdAfter(before + 300);
    const sending = sender.runUntilDone(id, { pollMs: 20 });
    const repliedAt = new Map<string, number>();
    try {
      while (sink.received.length - before < 300) await new Promise((r) => setTimeout(r, 5));
      const deadline = Date.now() + 10_000;
      while (!(await statusesOfChosen()).claimed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      const atClick = await statusesOfChosen();
      expect(atClick.claimed).toBeGreaterThan(0);
      expect(atClick.claimed + (atClick.pending ?? 0)).toBe(200);
      await Promise.all(
        chosen.map(async (r) => {
          const token = tokens.unsubscribe({ subscriberId: r.subscriberId, campaignId: id, listId: list.id });
          const res = await request(t.http).post(`/u/${token}`).type('form').send('List-Unsubscribe=One-Click');
          expect(res.status).toBe(200);
          repliedAt.set(email.get(r.subscriberId)!, Date.now());
        }),
      );
    } finally {
      release();
    }
    await sending;
    // Claimed or still waiting, every one of their rows was skipped: nobody of them got the mail, early or late.
    expect(sink.received.slice(before).filter((m) => m.to.some((to) => repliedAt.has(to)))).toEqual([]);
    expect(await statusesOfChosen()).toEqual({ skipped: 200 });
    const stats = await t.app.get(RecipientsRepository).stats(id);
    expect(stats).toMatchObject({ unsubscribed: 200, skipped: 200, sent: 1800, unknown: 0 });
    expect(sink.received.length - before).toBe(1800);
  });
});
