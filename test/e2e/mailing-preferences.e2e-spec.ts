import request from 'supertest';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { MailingTokens } from '../../src/mailing/mailing-tokens';
import { consentEvents, createList, createSubscriber, subscriptionStatus } from '../factories/mailing';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/** The preferences page from a signed link (no login) and /account/mailing for clients. */
describe('mailing: preferences', () => {
  let t: TestApp;
  let tokens: MailingTokens;
  beforeAll(async () => {
    t = await startTestApp();
    tokens = t.app.get(MailingTokens);
  });
  afterAll(() => t.close());

  const status = (subscriberId: number, listId: number) => subscriptionStatus(t, subscriberId, listId);
  const subscriber = (id: number) => t.db.manager.findOneByOrFail(Subscriber, { id });
  const events = (subscriberId: number) => consentEvents(t, subscriberId);
  const since = async (subscriberId: number, n: number) => (await events(subscriberId)).slice(n);

  /** Lists shown as `shown` fields on the page: the form posts them back with the ticked ones. */
  function shownOn(html: string): string[] {
    return [...html.matchAll(/name="shown" value="(\d+)"/g)].map((m) => m[1]);
  }

  /** Posts the page's form as a browser would: the lists shown, the ones ticked, name and language. */
  async function save(agent: Agent, url: string, fields: { lists: number[]; name?: string; locale?: string }) {
    const page = await agent.get(url).expect(200);
    const body = new URLSearchParams();
    body.append('_csrf', csrfFrom(page.text));
    for (const id of shownOn(page.text)) body.append('shown', id);
    for (const id of fields.lists) body.append('lists', String(id));
    // The form sends what it shows when the person leaves these fields alone.
    body.append('name', fields.name ?? /id="f-name" name="name" type="text"\s+value="([^"]*)"/.exec(page.text)?.[1] ?? '');
    body.append('locale', fields.locale ?? /<option value="(\w*)"[^>]*selected>/.exec(page.text)?.[1] ?? '');
    return agent.post(url).type('form').send(body.toString());
  }

  it('shows every public list with its status; never a private list the person is not on', async () => {
    const pub = await createList(t, { name: 'Public news' });
    const pub2 = await createList(t, { name: 'Public offers' });
    const priv = await createList(t, { name: 'Private buyers', isPublic: false });
    const privOther = await createList(t, { name: 'Private staff', isPublic: false });
    const s = await createSubscriber(t, { name: 'Ann', lists: [pub.id, priv.id] });
    const page = await request(t.http).get(`/preferences/${tokens.preferences(s.id)}`).expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain(`Preferences for ${s.email}`);
    expect(page.text).toMatch(new RegExp(`value="${pub.id}" data-test="list-${pub.id}" checked`));
    expect(page.text).toMatch(new RegExp(`value="${pub2.id}" data-test="list-${pub2.id}" >`));
    expect(page.text).toContain('Private buyers');
    expect(page.text).not.toContain('Private staff');
    expect(shownOn(page.text)).not.toContain(String(privOther.id));
  });

  it('a saved change goes through the consent rules with source preferences and the IP; the page then speaks the new language', async () => {
    const a = await createList(t, { name: 'A' });
    const b = await createList(t, { name: 'B', optIn: 'double' });
    const s = await createSubscriber(t, { name: 'Ann', lists: [a.id] });
    const url = `/preferences/${tokens.preferences(s.id)}`;
    const agent = request.agent(t.http);
    const n = (await events(s.id)).length;

    // untick A, tick B (double opt-in list: ticking it on a signed-link page is the person's own verified opt-in)
    const res = await save(agent, url, { lists: [b.id], name: 'Anna', locale: 'ru' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${url}?done=saved`);
    expect(await status(s.id, a.id)).toBe('unsubscribed');
    expect(await status(s.id, b.id)).toBe('confirmed');
    expect(await subscriber(s.id)).toMatchObject({ name: 'Anna', locale: 'ru' });
    const ev = await since(s.id, n);
    expect(ev.map((e) => [e.action, e.listId])).toEqual([
      ['unsubscribed', a.id],
      ['subscribed', b.id],
      ['profile', null],
    ]);
    expect(ev.every((e) => e.source === 'preferences' && e.ip !== '')).toBe(true);

    const after = await agent.get(res.headers.location).expect(200);
    expect(after.text).toContain('<html lang="ru">');
    expect(after.text).toContain('Настройки сохранены.');

    // saving the same state again records nothing
    const m = (await events(s.id)).length;
    expect((await save(agent, url, { lists: [b.id], name: 'Anna', locale: 'ru' })).status).toBe(303);
    expect(await events(s.id)).toHaveLength(m);
  });

  it('unsubscribe from all suppresses the address; nothing comes back until the person ticks a list again', async () => {
    const a = await createList(t);
    const b = await createList(t);
    const s = await createSubscriber(t, { lists: [a.id, b.id] });
    const url = `/preferences/${tokens.preferences(s.id)}`;
    const agent = request.agent(t.http);
    const page = await agent.get(url).expect(200);
    const res = await agent.post(`${url}/unsubscribe-all`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${url}?done=all`);
    expect((await subscriber(s.id)).suppressedReason).toBe('unsubscribed');
    expect([await status(s.id, a.id), await status(s.id, b.id)]).toEqual(['unsubscribed', 'unsubscribed']);
    const shown = await agent.get(res.headers.location).expect(200);
    expect(shown.text).toContain('you will get no more marketing mail');
    expect(shown.text).not.toMatch(/data-test="list-\d+" checked/);

    // saving the form without ticking anything restores nothing
    await save(agent, url, { lists: [] });
    expect((await subscriber(s.id)).suppressedReason).toBe('unsubscribed');
    // ticking A is a new opt-in: A only, and the unsubscribe-from-all is lifted
    await save(agent, url, { lists: [a.id] });
    expect((await subscriber(s.id)).suppressedReason).toBeNull();
    expect([await status(s.id, a.id), await status(s.id, b.id)]).toEqual(['confirmed', 'unsubscribed']);
  });

  it('an opt-in after an imported suppression does not revive the other lists the rows still call confirmed', async () => {
    const a = await createList(t);
    const b = await createList(t);
    const s = await createSubscriber(t, { lists: [a.id, b.id], suppressed: 'unsubscribed' });
    const url = `/preferences/${tokens.preferences(s.id)}`;
    await save(request.agent(t.http), url, { lists: [a.id] });
    expect((await subscriber(s.id)).suppressedReason).toBeNull();
    expect([await status(s.id, a.id), await status(s.id, b.id)]).toEqual(['confirmed', 'unsubscribed']);
  });

  it('a hard-bounced address stays suppressed when it ticks a list, and is told so', async () => {
    const a = await createList(t);
    const s = await createSubscriber(t, { suppressed: 'bounced' });
    const url = `/preferences/${tokens.preferences(s.id)}`;
    const res = await save(request.agent(t.http), url, { lists: [a.id] });
    expect(res.headers.location).toBe(`${url}?done=blocked`);
    expect((await subscriber(s.id)).suppressedReason).toBe('bounced');
    expect(await status(s.id, a.id)).toBeUndefined();
  });

  it('refuses a private list it does not show, a bad language, a forged link and a missing CSRF token', async () => {
    const priv = await createList(t, { isPublic: false });
    const s = await createSubscriber(t);
    const url = `/preferences/${tokens.preferences(s.id)}`;
    const agent = request.agent(t.http);
    const n = (await events(s.id)).length;

    const privRes = await save(agent, url, { lists: [priv.id] });
    expect(privRes.status).toBe(400);
    expect(privRes.text).toContain('There is no such list to subscribe to.');
    expect(await status(s.id, priv.id)).toBeUndefined();
    const locRes = await save(agent, url, { lists: [], locale: 'de' });
    expect(locRes.status).toBe(400);

    const other = await createSubscriber(t);
    const [, sig] = tokens.preferences(s.id).split('.');
    for (const bad of [`${other.id.toString(36)}.${sig}`, `${s.id.toString(36)}.${'A'.repeat(22)}`, 'x', tokens.unsubscribe({ subscriberId: s.id, campaignId: 1, listId: 0 })]) {
      const page = await request(t.http).get(`/preferences/${encodeURIComponent(bad)}`);
      expect(page.status).toBe(404);
      expect(page.text).toContain('This preferences link is not valid');
      const csrf = csrfFrom((await agent.get(url)).text);
      expect((await agent.post(`/preferences/${encodeURIComponent(bad)}/unsubscribe-all`).type('form').send({ _csrf: csrf })).status).toBe(404);
      expect((await agent.post(`/preferences/${encodeURIComponent(bad)}`).type('form').send({ _csrf: csrf, name: 'X' })).status).toBe(404);
    }
    expect((await subscriber(other.id)).suppressedReason).toBeNull();

    const noCsrf = await request(t.http).post(`${url}/unsubscribe-all`).type('form').send({});
    expect(noCsrf.status).toBe(403);
    expect((await subscriber(s.id)).suppressedReason).toBeNull();
    expect(await events(s.id)).toHaveLength(n);
  });

  describe('/account/mailing', () => {
    it('a client manages the subscriber with their own email; the row is created on the first save, linked to the account', async () => {
      const a = await createList(t, { name: 'Client news' });
      const user = await createUser(t, { name: 'Cleo', locale: 'en' });
      const agent = await loginAgent(t, user.email, user.password);
      const page = await agent.get('/account').expect(200);
      expect(page.text).toContain('href="/account/mailing"');
      const mine = await agent.get('/account/mailing').expect(200);
      expect(mine.text).toContain(`Preferences for ${user.email}`);
      expect(mine.text).toContain('Client news');
      expect(await t.db.manager.findOneBy(Subscriber, { email: user.email })).toBeNull();

      const res = await save(agent, '/account/mailing', { lists: [a.id], name: 'Cleo', locale: 'ru' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/account/mailing?done=saved');
      const s = await t.db.manager.findOneByOrFail(Subscriber, { email: user.email });
      expect(s).toMatchObject({ userId: user.id, locale: 'ru' });
      expect(await status(s.id, a.id)).toBe('confirmed');
      const ev = await events(s.id);
      expect(ev.find((e) => e.action === 'subscribed')).toMatchObject({ listId: a.id, source: 'account' });

      const all = await agent.get('/account/mailing');
      expect((await agent.post('/account/mailing/unsubscribe-all').type('form').send({ _csrf: csrfFrom(all.text) })).status).toBe(303);
      expect((await subscriber(s.id)).suppressedReason).toBe('unsubscribed');
      expect(await status(s.id, a.id)).toBe('unsubscribed');
    });

    it('is IDOR-safe: a client only ever sees and changes their own subscriber', async () => {
      const a = await createList(t);
      const victim = await createSubscriber(t, { name: 'Victim', lists: [a.id] });
      const user = await createUser(t);
      const agent = await loginAgent(t, user.email, user.password);
      const mine = await agent.get('/account/mailing').expect(200);
      expect(mine.text).not.toContain(victim.email);
      // Whatever the body names, only the client's own row changes.
      const page = await agent.get('/account/mailing');
      const res = await agent
        .post('/account/mailing')
        .type('form')
        .send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}&shown=${a.id}&subscriberId=${victim.id}&email=${encodeURIComponent(victim.email)}&name=X`);
      expect(res.status).toBe(303);
      expect(await status(victim.id, a.id)).toBe('confirmed');
      expect((await subscriber(victim.id)).name).toBe('Victim');
      // Another client's signed preferences link is still only that subscriber's; staff do not get a client page.
      const staff = await createUser(t, { role: 'admin' });
      const staffAgent = await loginAgent(t, staff.email, staff.password);
      expect((await staffAgent.get('/account/mailing')).status).toBe(303);
      expect((await request(t.http).get('/account/mailing')).status).toBe(303);
    });
  });
});
