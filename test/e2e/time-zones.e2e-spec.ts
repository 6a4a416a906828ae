import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { Campaign } from '../../src/mailing/campaigns/entities/campaign.entity';
import { isGrantActive, isGrantOver } from '../../src/members/access/access-rule';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { User } from '../../src/users/entities/user.entity';
import { createList, createSubscriber } from '../factories/mailing';
import { createProduct } from '../factories/members';
import { createUser } from '../factories/users';
import { lastMailTo } from '../utils/outbox';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/** A year far enough ahead that "until 31 March" is always in the future, whenever the suite runs. */
const Y = new Date().getUTCFullYear() + 2;

/** The last Sunday of March within the next year: Europe/Berlin skips 02:00–03:00 local that night. */
function nextBerlinSpringForward(): string {
  for (const year of [new Date().getUTCFullYear(), new Date().getUTCFullYear() + 1]) {
    const d = new Date(Date.UTC(year, 2, 31));
    d.setUTCDate(31 - d.getUTCDay());
    if (d.getTime() > Date.now() + 86400_000) return d.toISOString().slice(0, 10);
  }
  throw new Error('unreachable');
}

describe('time zones: dates shown and read in the site zone, or the reader’s own', () => {
  let t: TestApp;
  let owner: Agent;

  beforeAll(async () => {
    t = await startTestApp(); // TZ=UTC: the site zone starts as UTC
    const o = await createUser(t, { role: 'owner', locale: 'en' });
    owner = await loginAgent(t, o.email, o.password);
    const saved = await formPost(owner, '/admin/settings', '/admin/settings', { timeZone: 'Asia/Yekaterinburg' });
    expect(saved.status).toBe(303);
  });
  afterAll(() => t.close());

  /** A form post that succeeds answers 303 (a 400 would show its errors in the assertion). */
  async function redirected(post: ReturnType<typeof formPost>) {
    const res = await post;
    expect([res.status, res.status === 303 ? '' : res.text.slice(0, 500)]).toEqual([303, '']);
    return res;
  }
  const grantOf = (clientId: number) => t.db.manager.findOneByOrFail(Grant, { clientId });

  it('an "until" date is the end of that day in the site zone, and is shown as entered', async () => {
    const client = await createUser(t, { locale: 'ru' });
    const product = await createProduct(t, { title: 'Керамика' });
    const url = `/admin/clients/${client.id}`;
    const res = await formPost(owner, url, `${url}/grants`, { form: 'grant', productId: String(product.id), endsAt: `${Y}-03-31`, reason: '' });
    expect(res.status).toBe(303);

    const g = await grantOf(client.id);
    // the end of 31 March in UTC+5: the instant 1 April begins there
    expect(g.endsAt!.toISOString()).toBe(`${Y}-03-31T19:00:00.000Z`);
    expect(isGrantActive(g, new Date(`${Y}-03-31T18:00:00Z`))).toBe(true);
    expect(isGrantOver(g, new Date(`${Y}-03-31T19:00:00Z`))).toBe(true);

    const page = await owner.get(url).expect(200);
    expect(page.text).toContain(`<td data-label="Until">31 Mar ${Y}</td>`);
    expect(page.text).not.toContain(`1 Apr ${Y}`);
    // the extend form starts from the same date
    expect(page.text).toContain(`name="endsAt" value="${Y}-03-31"`);

    const a = await loginAgent(t, client.email, client.password);
    const home = await a.get('/account').expect(200);
    expect(home.text).toContain(`31 мар. ${Y} г.`);
    expect(home.text).not.toContain('UTC');
  });

  it('extends to a date read the same way, also from the CSV import and the API', async () => {
    const client = await createUser(t);
    const product = await createProduct(t);
    const url = `/admin/clients/${client.id}`;
    await redirected(formPost(owner, url, `${url}/grants`, { form: 'grant', productId: String(product.id), endsAt: `${Y}-01-10` }));
    const g = await grantOf(client.id);
    const ext = await formPost(owner, url, `${url}/grants/${g.id}/extend`, { form: `extend-${g.id}`, endsAt: `${Y}-12-31` });
    expect(ext.status).toBe(303);
    expect((await grantOf(client.id)).endsAt!.toISOString()).toBe(`${Y}-12-31T19:00:00.000Z`); // New Year in UTC+5
    expect((await owner.get(url)).text).toContain(`31 Dec ${Y}`);

    const slug = (await createProduct(t)).slug;
    const email = `import-${Date.now()}@example.com`;
    const form = await owner.get('/admin/clients/import').expect(200);
    await owner
      .post('/admin/clients/import')
      .field('_csrf', csrfFrom(form.text))
      .attach('file', Buffer.from(`email,name,product,expires\n${email},Imported,${slug},${Y}-06-30\n`), { filename: 'c.csv', contentType: 'text/csv' })
      .expect(200);
    const imported = await t.db.manager.findOneByOrFail(User, { email });
    expect((await grantOf(imported.id)).endsAt!.toISOString()).toBe(`${Y}-06-30T19:00:00.000Z`);

    const key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'tz')).key;
    const other = await createUser(t);
    const viaApi = await request(t.http)
      .post(`/api/admin/clients/${other.id}/grants`)
      .set('Authorization', `Bearer ${key}`)
      .send({ productId: product.id, endsAt: `${Y}-03-31` });
    expect(viaApi.status).toBe(201);
    expect(viaApi.body.endsAt).toBe(`${Y}-03-31T19:00:00.000Z`);
  });

  it('a client who picks their own zone sees dates in it (named), and gets mail in it', async () => {
    const client = await createUser(t, { locale: 'en' });
    const product = await createProduct(t);
    const url = `/admin/clients/${client.id}`;
    await redirected(formPost(owner, url, `${url}/grants`, { form: 'grant', productId: String(product.id), endsAt: `${Y}-03-31` }));
    const a = await loginAgent(t, client.email, client.password);
    expect((await a.get('/account')).text).toMatch(new RegExp(`Access until 31 Mar ${Y}\\s*<`));

    const page = await a.get('/account/security').expect(200);
    expect(page.text).toContain('The school’s time zone (Asia/Yekaterinburg)');
    const bad = await formPost(a, '/account/security', '/account/security/time-zone', { form: 'time-zone', timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Pick a time zone from the list.');
    // a field sent twice is refused before the handler runs: the page is shown again without its model, not a 500
    const twice = await a.post('/account/security/time-zone').type('form').send(`_csrf=${csrfFrom(page.text)}&timeZone=UTC&timeZone=Asia/Tokyo`);
    expect(twice.status).toBe(400);
    expect(twice.text).toContain('The school’s time zone');
    const ok = await formPost(a, '/account/security', '/account/security/time-zone', { form: 'time-zone', timeZone: 'America/New_York' });
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/account/security?notice=time_zone_saved');
    expect((await a.get('/account/security')).text).toContain('<option value="America/New_York" selected>');

    // the access ends when 1 April begins in Yekaterinburg: 15:00 on 31 March in New York (EDT), so the time shows
    const home = await a.get('/account').expect(200);
    expect(home.text).toContain(`31 Mar ${Y}, 15:00 GMT-4`);

    const changed = await formPost(a, '/account/security', '/account/security/password', {
      current: client.password, password: 'a new password 123', confirm: 'a new password 123',
    });
    expect(changed.status).toBe(303);
    const mail = await lastMailTo(t, client.email);
    expect(mail.text).toMatch(/changed on \d{1,2} \w{3} \d{4}, \d{2}:\d{2} (GMT-[45]|EST|EDT)/);

    // back to the site zone
    await redirected(formPost(a, '/account/security', '/account/security/time-zone', { form: 'time-zone', timeZone: '' }));
    expect((await t.db.manager.findOneByOrFail(User, { id: client.id })).timeZone).toBeNull();
    expect((await a.get('/account')).text).toMatch(new RegExp(`Access until 31 Mar ${Y}\\s*<`));
  });

  it('a campaign is scheduled at a local time of the zone; a time the clocks skip is refused', async () => {
    const list = await createList(t);
    await createSubscriber(t, { lists: [list.id] });
    const form = await owner.get('/admin/mailing/campaigns/new').expect(200);
    const created = await owner
      .post('/admin/mailing/campaigns')
      .type('form')
      .send({ subject: 'Hello', body: 'Hi', bodyFormat: 'markdown', lists: String(list.id), _csrf: csrfFrom(form.text) })
      .expect(303);
    const base = created.headers.location.replace(/\?.*$/, '');
    const id = Number(/(\d+)$/.exec(base)![1]);

    const day = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
    const page = await owner.get(base).expect(200);
    expect(page.text).toContain('Send at (time zone Asia/Yekaterinburg)');
    await redirected(formPost(owner, base, `${base}/schedule`, { at: `${day}T09:00` }));
    const c = await t.db.manager.findOneByOrFail(Campaign, { id });
    expect(c.scheduledAt!.toISOString()).toBe(`${day}T04:00:00.000Z`);
    const shown = await owner.get(base).expect(200);
    expect(shown.text).toMatch(/data-test="scheduled-at">[^<]*, 09:00 GMT\+5</);
    expect(shown.text).toContain(`value="${day}T09:00"`);
    await redirected(formPost(owner, base, `${base}/unschedule`, {}));

    // staff in Berlin: the night summer time begins has no 02:30
    const berliner = await createUser(t, { role: 'staff', locale: 'en' });
    const b = await loginAgent(t, berliner.email, berliner.password);
    await redirected(formPost(b, '/admin/profile', '/admin/profile/time-zone', { form: 'time-zone', timeZone: 'Europe/Berlin' }));
    const gapDay = nextBerlinSpringForward();
    const gap = await formPost(b, base, `${base}/schedule`, { at: `${gapDay}T02:30` });
    expect(gap.status).toBe(400);
    expect(gap.text).toContain('That time does not exist in your time zone');
    await redirected(formPost(b, base, `${base}/schedule`, { at: `${gapDay}T03:30` }));
    expect((await t.db.manager.findOneByOrFail(Campaign, { id })).scheduledAt!.toISOString()).toBe(`${gapDay}T01:30:00.000Z`);
  });

  it('the audit log filters whole days of the reader’s zone', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Yekaterinburg' }).format(new Date());
    const res = await owner.get(`/admin/audit?action=settings.updated&from=${today}&to=${today}`).expect(200);
    expect(res.text).toContain('data-action="settings.updated"');
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86400_000).toISOString().slice(0, 10);
    const none = await owner.get(`/admin/audit?action=settings.updated&from=${tomorrow}`).expect(200);
    expect(none.text).not.toContain('data-test="audit-entry"');
  });
});
