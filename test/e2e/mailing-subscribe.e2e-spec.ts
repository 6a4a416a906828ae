import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ConsentEvent } from '../../src/mailing/subscribers/entities/consent-event.entity';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { Subscription } from '../../src/mailing/subscribers/entities/subscription.entity';
import { SUBSCRIBE_LIMITS } from '../../src/mailing/public/subscribe.service';
import { createList, createSubscriber } from '../factories/mailing';
import { outboxFor, lastMailTo, linkIn } from '../utils/outbox';
import { csrfFrom, startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');
/** Each test its own client address (TRUST_PROXY is on), so the per-IP limit of one test never reaches another. */
const newIp = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
/** The confirmation link's path with its query (`?lists=` when several lists were asked for). */
function confirmLink(text: string): string {
  const u = new URL(/https?:\/\/[^\s"<]+\/mailing\/confirm\/[^\s"<]+/.exec(text)![0]);
  return u.pathname + u.search;
}

describe('public subscribe form and double opt-in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => t.close());

  /** A post as the embeddable form on another site sends it: no cookie, no CSRF token. */
  const post = (ip: string, fields: Record<string, string | string[]>) =>
    request(t.http).post('/subscribe').set('X-Forwarded-For', ip).set('Origin', 'https://someone-else.example').type('form').send(fields);

  const consentOf = async (email: string) => {
    const s = await t.db.manager.findOneByOrFail(Subscriber, { email });
    const events = await t.db.manager.find(ConsentEvent, { where: { subscriberId: s.id }, order: { id: 'ASC' } });
    return events.map((e) => ({ action: e.action, source: e.source, ip: e.ip, listId: e.listId }));
  };
  const statusOf = async (email: string, listId: number) => {
    const s = await t.db.manager.findOneByOrFail(Subscriber, { email });
    return (await t.db.manager.findOneBy(Subscription, { subscriberId: s.id, listId }))?.status;
  };

  it('double opt-in end to end: form post without a session, confirmation mail, GET shows a button, POST confirms', async () => {
    const list = await createList(t, { name: `News ${tag()}`, optIn: 'double', isPublic: true });
    const hidden = await createList(t, { isPublic: false });
    const form = await request(t.http).get(`/subscribe?list=${list.id}`).expect(200);
    expect(form.text).toContain(list.name);
    expect(form.text).not.toContain(hidden.name);
    expect(form.text).toContain('I agree to receive emails');

    const email = `double-${tag()}@example.com`;
    const ip = newIp();
    const res = await post(ip, { email: email.toUpperCase(), name: 'Dora', lists: String(list.id), consent: 'yes', website: '' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/subscribe/thanks?state=check_mail');
    expect((await request(t.http).get(res.headers.location).expect(200)).text).toContain('Check your inbox');
    expect(await statusOf(email, list.id)).toBe('unconfirmed');

    const mail = await lastMailTo(t, email);
    expect(mail.template).toBe('mailing-confirm');
    expect(mail.text).toContain(list.name);
    const link = linkIn(mail.text, '/mailing/confirm/');

    // A scanner following the link confirms nothing.
    const browser = request.agent(t.http);
    const page = await browser.get(link).set('X-Forwarded-For', ip).expect(200);
    expect(page.text).toContain('Yes, subscribe me');
    expect(await statusOf(email, list.id)).toBe('unconfirmed');

    const done = await browser.post(link).set('X-Forwarded-For', ip).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(done.status).toBe(200);
    expect(done.text).toContain('Subscription confirmed');
    expect(await statusOf(email, list.id)).toBe('confirmed');
    expect(await consentOf(email)).toEqual([
      { action: 'pending', source: 'form', ip, listId: list.id },
      { action: 'confirmed', source: 'link', ip, listId: list.id },
    ]);
    const s = await t.db.manager.findOneByOrFail(Subscriber, { email });
    expect(s.name).toBe('Dora');
    expect(s.locale).toBe('en');

    // The link is used up.
    expect((await request(t.http).get(link)).status).toBe(404);
    expect((await browser.post(link).type('form').send({ _csrf: csrfFrom(page.text) })).status).toBe(404);
    expect((await request(t.http).get('/mailing/confirm/not-a-real-token-at-all-0000')).status).toBe(404);
  });

  it('one confirmation link confirms several lists chosen together', async () => {
    const a = await createList(t, { optIn: 'double' });
    const b = await createList(t, { optIn: 'double' });
    const email = `both-${tag()}@example.com`;
    expect((await post(newIp(), { email, lists: [String(a.id), String(b.id)], consent: 'on' })).status).toBe(303);
    const mails = await outboxFor(t, email);
    expect(mails).toHaveLength(1);
    const link = confirmLink(mails[0].text);
    expect(link).toContain(`?lists=`);
    const agent = request.agent(t.http);
    const page = await agent.get(link).expect(200);
    expect(page.text).toContain(a.name);
    expect(page.text).toContain(b.name);
    expect((await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text) })).status).toBe(200);
    expect(await statusOf(email, a.id)).toBe('confirmed');
    expect(await statusOf(email, b.id)).toBe('confirmed');
  });

  it('single opt-in subscribes at once, with the form as source and the IP kept', async () => {
    const list = await createList(t, { optIn: 'single' });
    const email = `single-${tag()}@example.com`;
    const ip = newIp();
    const res = await post(ip, { email, lists: String(list.id), consent: 'yes' });
    expect(res.headers.location).toBe('/subscribe/thanks?state=subscribed');
    expect(await statusOf(email, list.id)).toBe('confirmed');
    expect(await outboxFor(t, email)).toEqual([]);
    expect(await consentOf(email)).toEqual([{ action: 'subscribed', source: 'form', ip, listId: list.id }]);
  });

  it('someone who unsubscribed must confirm again by mail, even on a single opt-in list', async () => {
    const list = await createList(t, { optIn: 'single' });
    const email = `back-${tag()}@example.com`;
    await createSubscriber(t, { email, lists: [{ listId: list.id, status: 'unsubscribed' }] });
    const res = await post(newIp(), { email, lists: String(list.id), consent: 'yes' });
    expect(res.headers.location).toBe('/subscribe/thanks?state=check_mail');
    expect(await statusOf(email, list.id)).toBe('unconfirmed');
    const link = linkIn((await lastMailTo(t, email)).text, '/mailing/confirm/');
    const agent = request.agent(t.http);
    const page = await agent.get(link).expect(200);
    await agent.post(link).type('form').send({ _csrf: csrfFrom(page.text) }).expect(200);
    expect(await statusOf(email, list.id)).toBe('confirmed');
    expect((await consentOf(email)).map((e) => e.action)).toEqual(['subscribed', 'unsubscribed', 'pending', 'confirmed']);
  });

  it('refuses what is missing or not offered, and re-shows the form with the messages', async () => {
    const list = await createList(t, { optIn: 'double' });
    const priv = await createList(t, { isPublic: false, optIn: 'single' });
    const archived = await createList(t, { archived: true });
    const ip = newIp();
    const noConsent = await post(ip, { email: `x-${tag()}@example.com`, lists: String(list.id) });
    expect(noConsent.status).toBe(400);
    expect(noConsent.text).toContain('Please tick the box to agree.');
    const badEmail = await post(ip, { email: 'not-an-email', lists: String(list.id), consent: 'yes' });
    expect(badEmail.status).toBe(400);
    expect(badEmail.text).toContain('Enter a valid email address.');
    for (const id of [priv.id, archived.id, 999999]) {
      const res = await post(ip, { email: `p-${tag()}@example.com`, lists: String(id), consent: 'yes' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Choose an existing, active list.');
    }
    expect(await t.db.manager.countBy(Subscriber, { email: 'not-an-email' })).toBe(0);
  });

  it('a bot that fills the honeypot is thanked and nothing is written or sent', async () => {
    const list = await createList(t, { optIn: 'double' });
    const email = `bot-${tag()}@example.com`;
    const res = await post(newIp(), { email, lists: String(list.id), consent: 'yes', website: 'http://spam.example' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/subscribe/thanks?state=check_mail');
    expect(await t.db.manager.countBy(Subscriber, { email })).toBe(0);
    expect(await outboxFor(t, email)).toEqual([]);
  });

  it('throttles per address and per client IP (429), limits kept in the database across a restart', async () => {
    const list = await createList(t, { optIn: 'double' });
    const email = `flood-${tag()}@example.com`;
    for (let i = 0; i < SUBSCRIBE_LIMITS.perEmail.max; i++) {
      expect((await post(newIp(), { email, lists: String(list.id), consent: 'yes' })).status).toBe(303);
    }
    const over = await post(newIp(), { email, lists: String(list.id), consent: 'yes' });
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    // Only one confirmation mail went out for all those posts.
    expect(await outboxFor(t, email)).toHaveLength(1);

    const ip = '198.51.100.77';
    for (let i = 0; i < SUBSCRIBE_LIMITS.perIp.max; i++) {
      expect((await post(ip, { email: `ip-${i}-${tag()}@example.com`, lists: String(list.id), consent: 'yes' })).status).toBe(303);
    }
    expect((await post(ip, { email: `ip-last-${tag()}@example.com`, lists: String(list.id), consent: 'yes' })).status).toBe(429);

    const again = await startTestApp({ testDb: t.testDb, env: { TRUST_PROXY: 'true' } });
    try {
      const res = await request(again.http).post('/subscribe').set('X-Forwarded-For', ip).type('form').send({ email: `after-${tag()}@example.com`, lists: String(list.id), consent: 'yes' });
      expect(res.status).toBe(429);
    } finally {
      await again.close({ keepDb: true });
    }
  });

  it('shows the pages in Russian', async () => {
    const list = await createList(t, { optIn: 'double' });
    const page = await request(t.http).get(`/subscribe?list=${list.id}`).set('Accept-Language', 'ru').expect(200);
    expect(page.text).toContain('Подписаться');
    expect(page.text).toContain('Я согласен(на) получать письма');
    const res = await post(newIp(), { email: `ru-${tag()}@example.com`, lists: String(list.id), consent: 'yes', locale: 'ru' });
    const thanks = await request(t.http).get(res.headers.location).set('Accept-Language', 'ru').expect(200);
    expect(thanks.text).toContain('Проверьте почту');
  });
});
