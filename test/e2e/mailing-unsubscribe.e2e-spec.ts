import request from 'supertest';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { MailingTokens } from '../../src/mailing/mailing-tokens';
import { consentEvents, createList, createSubscriber, subscriptionStatus } from '../factories/mailing';
import { startTestApp, TestApp } from '../utils/test-app';

/** RFC 8058 one-click unsubscribe at /u/:token, as a mailbox provider and as a person use it. */
describe('mailing: one-click unsubscribe', () => {
  let t: TestApp;
  let tokens: MailingTokens;
  beforeAll(async () => {
    t = await startTestApp();
    tokens = t.app.get(MailingTokens);
  });
  afterAll(() => t.close());

  const status = (subscriberId: number, listId: number) => subscriptionStatus(t, subscriberId, listId);
  const suppression = async (id: number) => (await t.db.manager.findOneByOrFail(Subscriber, { id })).suppressedReason;
  const events = (subscriberId: number) => consentEvents(t, subscriberId);

  /** A provider's POST: no cookie, no CSRF token, only the RFC 8058 body. */
  const oneClickUrlencoded = (token: string, ip = '203.0.113.7') =>
    request(t.http).post(`/u/${token}`).set('X-Forwarded-For', ip).type('form').send('List-Unsubscribe=One-Click');
  const oneClickMultipart = (token: string) => request(t.http).post(`/u/${token}`).field('List-Unsubscribe', 'One-Click');

  async function setup() {
    const [a, b] = [await createList(t, { name: 'News' }), await createList(t, { name: 'Offers' })];
    const s = await createSubscriber(t, { lists: [a.id, b.id] });
    return { a, b, s };
  }

  it('POST form-urlencoded without a cookie unsubscribes from the list of the token, with a consent record; a second POST changes nothing', async () => {
    const { a, b, s } = await setup();
    const token = tokens.unsubscribe({ subscriberId: s.id, campaignId: 77, listId: a.id });
    const before = (await events(s.id)).length;

    const res = await oneClickUrlencoded(token);
    expect(res.status).toBe(200);
    expect(String(res.headers['set-cookie'] ?? '')).not.toContain('kb_sid=');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('News');
    expect(await status(s.id, a.id)).toBe('unsubscribed');
    expect(await status(s.id, b.id)).toBe('confirmed'); // list X only
    expect(await suppression(s.id)).toBeNull();

    const after = await events(s.id);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ listId: a.id, campaignId: 77, action: 'unsubscribed', source: 'one-click' });
    expect(after.at(-1)!.ip).toMatch(/127\.0\.0\.1|::1|203\.0\.113\.7/);

    const again = await oneClickUrlencoded(token);
    expect(again.status).toBe(200);
    expect(await events(s.id)).toHaveLength(before + 1);
    expect(await status(s.id, a.id)).toBe('unsubscribed');
  });

  it('POST multipart/form-data without a cookie works the same', async () => {
    const { a, b, s } = await setup();
    const token = tokens.unsubscribe({ subscriberId: s.id, campaignId: 5, listId: b.id });
    const res = await oneClickMultipart(token);
    expect(res.status).toBe(200);
    expect(await status(s.id, b.id)).toBe('unsubscribed');
    expect(await status(s.id, a.id)).toBe('confirmed');
    const last = (await events(s.id)).at(-1)!;
    expect(last).toMatchObject({ listId: b.id, campaignId: 5, action: 'unsubscribed', source: 'one-click' });
    expect((await oneClickMultipart(token)).status).toBe(200);
    expect((await events(s.id)).at(-1)!.id).toBe(last.id);
  });

  it('a token with list 0 (mail to product clients) unsubscribes from all marketing mail', async () => {
    const { a, b, s } = await setup();
    const token = tokens.unsubscribe({ subscriberId: s.id, campaignId: 9, listId: 0 });
    expect((await oneClickUrlencoded(token)).status).toBe(200);
    expect(await suppression(s.id)).toBe('unsubscribed');
    expect(await status(s.id, a.id)).toBe('unsubscribed');
    expect(await status(s.id, b.id)).toBe('unsubscribed');
    const ev = await events(s.id);
    expect(ev.filter((e) => e.source === 'one-click').map((e) => e.action).sort()).toEqual(['suppressed', 'unsubscribed', 'unsubscribed']);
    expect(ev.filter((e) => e.source === 'one-click').every((e) => e.campaignId === 9)).toBe(true);
    const n = ev.length;
    expect((await oneClickMultipart(token)).status).toBe(200);
    expect(await events(s.id)).toHaveLength(n);
  });

  it('GET shows a confirmation page and changes nothing; its button (same body, no cookie) unsubscribes', async () => {
    const { a, s } = await setup();
    const token = tokens.unsubscribe({ subscriberId: s.id, campaignId: 1, listId: a.id });
    const n = (await events(s.id)).length;
    for (let i = 0; i < 3; i++) {
      const page = await request(t.http).get(`/u/${token}`).expect(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toContain(`Unsubscribe ${s.email} from “News”?`);
      expect(page.text).toContain('name="List-Unsubscribe" value="One-Click"');
      expect(page.text).toContain(`href="/preferences/${tokens.preferences(s.id)}"`);
    }
    await request(t.http).head(`/u/${token}`).expect(200);
    expect(await status(s.id, a.id)).toBe('confirmed');
    expect(await events(s.id)).toHaveLength(n);
    expect(await suppression(s.id)).toBeNull();

    const done = await request(t.http).post(`/u/${token}`).type('form').send({ 'List-Unsubscribe': 'One-Click' }).expect(200);
    expect(done.text).toContain('will get no more mail from “News”');
    expect(await status(s.id, a.id)).toBe('unsubscribed');
    const again = await request(t.http).get(`/u/${token}`).expect(200);
    expect(again.text).toContain('is already unsubscribed from “News”');
  });

  it('speaks the subscriber’s language, else the browser’s', async () => {
    const list = await createList(t, { name: 'Новости' });
    const ru = await createSubscriber(t, { locale: 'ru', lists: [list.id] });
    const anyone = await createSubscriber(t, { locale: null, lists: [list.id] });
    const ruPage = await request(t.http).get(`/u/${tokens.unsubscribe({ subscriberId: ru.id, campaignId: 1, listId: list.id })}`).set('Accept-Language', 'en').expect(200);
    expect(ruPage.text).toContain(`Отписать ${ru.email} от рассылки «Новости»?`);
    expect(ruPage.text).toContain('<html lang="ru">');
    const tok = tokens.unsubscribe({ subscriberId: anyone.id, campaignId: 1, listId: list.id });
    expect((await request(t.http).get(`/u/${tok}`).set('Accept-Language', 'ru-RU,ru;q=0.9').expect(200)).text).toContain('Отписать');
    expect((await request(t.http).get(`/u/${tok}`).set('Accept-Language', 'en-GB').expect(200)).text).toContain('Unsubscribe');
  });

  it('refuses forged, altered and foreign tokens with a clear message, and nothing changes', async () => {
    const { a, s } = await setup();
    const other = await createSubscriber(t, { lists: [a.id] });
    const good = tokens.unsubscribe({ subscriberId: s.id, campaignId: 3, listId: a.id });
    const [sid, cid, lid, sig] = good.split('.');
    const bad = [
      // subscriber id altered to another subscriber, signature kept
      [other.id.toString(36), cid, lid, sig].join('.'),
      // list id altered (list 0 would mean "all")
      [sid, cid, '0', sig].join('.'),
      // signature altered
      [sid, cid, lid, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)].join('.'),
      // signed with another key
      new MailingTokens('another-secret-another-secret-another').unsubscribe({ subscriberId: s.id, campaignId: 3, listId: a.id }),
      // a preferences token is not an unsubscribe token
      tokens.preferences(s.id),
      'nonsense',
      // a valid token for a subscriber that does not exist
      tokens.unsubscribe({ subscriberId: 99999999, campaignId: 3, listId: a.id }),
    ];
    const n = (await events(s.id)).length + (await events(other.id)).length;
    for (const token of bad) {
      const post = await oneClickUrlencoded(token);
      expect(post.status).toBe(404);
      expect(post.text).toContain('This unsubscribe link is not valid');
      expect((await oneClickMultipart(token)).status).toBe(404);
      expect((await request(t.http).get(`/u/${encodeURIComponent(token)}`)).status).toBe(404);
    }
    expect(await status(s.id, a.id)).toBe('confirmed');
    expect(await status(other.id, a.id)).toBe('confirmed');
    expect((await events(s.id)).length + (await events(other.id)).length).toBe(n);

    // The token of subscriber A never acts on B: the one valid token only ever touches A.
    expect((await oneClickUrlencoded(good)).status).toBe(200);
    expect(await status(other.id, a.id)).toBe('confirmed');
  });

  it('a POST without the one-click body is refused with 400 and changes nothing', async () => {
    const { a, s } = await setup();
    const token = tokens.unsubscribe({ subscriberId: s.id, campaignId: 3, listId: a.id });
    const empty = await request(t.http).post(`/u/${token}`);
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('List-Unsubscribe=One-Click');
    expect((await request(t.http).post(`/u/${token}`).type('form').send('List-Unsubscribe=Other')).status).toBe(400);
    expect((await request(t.http).post(`/u/${token}`).field('something', 'else')).status).toBe(400);
    expect((await request(t.http).post(`/u/${token}`).set('Content-Type', 'multipart/form-data; boundary=x').send('garbage')).status).toBe(400);
    expect((await request(t.http).post(`/u/${token}`).set('Content-Type', 'text/plain').send('List-Unsubscribe=One-Click')).status).toBe(400);
    expect(await status(s.id, a.id)).toBe('confirmed');
  });
});
