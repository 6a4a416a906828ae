import request from 'supertest';
import { GrantsService } from '../../src/members/access/grants.service';
import { ClientAreaService } from '../../src/members/client-area/client-area.service';
import { createFile, createLesson, createProduct, FACTORY_ACTOR, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, loginAgent, startTestApp, TestApp } from '../utils/test-app';
import { randomBytes } from 'node:crypto';

const DAY = 86400_000;

/** Collects a binary body whatever its content type. */
function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

describe('members: client area, drip, downloads, signed links', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function client(): Promise<{ id: number; agent: Agent }> {
    const u = await createUser(t);
    return { id: u.id, agent: await loginAgent(t, u.email, u.password) };
  }

  it('lists my products with progress, and shows the product and lesson pages with files', async () => {
    const a = await client();
    const p = await createProduct(t, { title: 'Guitar from zero', description: 'Chords & <b>riffs</b>' });
    const l1 = await createLesson(t, p.id, { title: 'Tuning', position: 1, bodyMd: 'Tune **E** first' });
    await createLesson(t, p.id, { title: 'Chords', position: 2, dripDays: 3 });
    const f = await createFile(t, l1, { name: 'tabs.pdf' });
    await createProduct(t, { title: 'Not mine' });

    const empty = await a.agent.get('/account').expect(200);
    expect(empty.text).not.toContain('Guitar from zero');
    await grantAccess(t, a.id, p.id);
    const home = await a.agent.get('/account').expect(200);
    expect(home.text).toContain('Guitar from zero');
    expect(home.text).not.toContain('Not mine');
    expect(home.text).toContain('0 of 2 lessons done');
    expect(home.text).toContain('Chords &amp; &lt;b&gt;riffs');

    const prod = await a.agent.get(`/account/products/${p.slug}`).expect(200);
    expect(prod.text).toContain(`href="/account/lessons/${l1.id}"`);
    const lesson = await a.agent.get(`/account/lessons/${l1.id}`).expect(200);
    expect(lesson.text).toContain('Tune <strong>E</strong> first');
    expect(lesson.text).toContain(`href="/account/files/${f.id}"`);
    expect(lesson.text).toMatch(new RegExp(`href="/d/${f.id}/${a.id}/\\d+/[\\w-]+"`));

    // staff opening the client area are sent to theirs
    const staff = await createUser(t, { role: 'staff' });
    const s = await loginAgent(t, staff.email, staff.password);
    const r = await s.get(`/account/products/${p.slug}`);
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/admin');
  });

  it('IDOR matrix: another client, no grant, revoked or expired grant → 404 for products, lessons and files', async () => {
    const a = await client();
    const b = await client();
    const expired = await client();
    const revoked = await client();
    const p = await createProduct(t);
    const l = await createLesson(t, p.id);
    const f = await createFile(t, l);
    await grantAccess(t, a.id, p.id);
    await grantAccess(t, expired.id, p.id, { startsAt: new Date(Date.now() - 10 * DAY), endsAt: new Date(Date.now() - DAY) });
    const g = await grantAccess(t, revoked.id, p.id);
    await t.db.transaction((m) => t.app.get(GrantsService).revoke(m, FACTORY_ACTOR, g.id, 'test'));

    const urls = [`/account/products/${p.slug}`, `/account/lessons/${l.id}`, `/account/files/${f.id}`];
    for (const u of urls) expect((await a.agent.get(u)).status).toBe(200);
    for (const who of [b, expired, revoked]) {
      for (const u of urls) {
        const res = await who.agent.get(u);
        expect([u, res.status]).toEqual([u, 404]);
      }
      expect((await who.agent.head(`/account/files/${f.id}`)).status).toBe(404);
      expect((await who.agent.get('/account')).text).not.toContain(p.title);
    }
    // unknown ids and junk look the same
    for (const u of ['/account/products/nope', '/account/lessons/999999', '/account/files/999999', '/account/lessons/abc', '/account/files/-1']) {
      expect((await a.agent.get(u)).status).toBe(404);
    }
    // a signed link made for A does not work with B's id in it
    const area = t.app.get(ClientAreaService);
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const good = area.signedPath(f.id, a.id, exp);
    await request(t.http).get(good).expect(200);
    await request(t.http).get(good.replace(`/${a.id}/`, `/${b.id}/`)).expect(404);
    await request(t.http).get(area.signedPath(f.id, b.id, exp)).expect(404);
    // anonymous visitors are asked to log in
    const anon = await request(t.http).get(`/account/files/${f.id}`);
    expect(anon.status).toBe(303);
    expect(anon.headers.location).toMatch(/^\/login/);
  });

  it('drip: a locked lesson is listed with its opening date, shown without its body or files until then, open afterwards', async () => {
    const a = await client();
    const p = await createProduct(t);
    const start = new Date(Date.now() - 2 * DAY);
    const openNow = await createLesson(t, p.id, { title: 'Day one', position: 1 });
    const byDays = await createLesson(t, p.id, { title: 'Day five', position: 2, dripDays: 5 });
    const byDate = await createLesson(t, p.id, { title: 'Launch day', position: 3, dripDate: new Date('2099-03-01T00:00:00Z') });
    const past = await createLesson(t, p.id, { title: 'Yesterday', position: 4, dripDays: 1 });
    const file = await createFile(t, byDays);
    await grantAccess(t, a.id, p.id, { startsAt: start });

    const page = await a.agent.get(`/account/products/${p.slug}`).expect(200);
    expect(page.text).toContain(`href="/account/lessons/${openNow.id}"`);
    expect(page.text).toContain(`href="/account/lessons/${past.id}"`);
    expect(page.text).not.toContain(`data-test="locked-${openNow.id}"`);
    const opens = new Date(start.getTime() + 5 * DAY);
    const fmt = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    expect(page.text).toMatch(new RegExp(`data-test="locked-${byDays.id}">[\\s\\S]*?Day five[\\s\\S]*?Opens ${fmt.format(opens)}`));
    expect(page.text).toContain('Opens 1 Mar 2099</small>'); // a date at the start of a day is shown as the day
    expect((await a.agent.get('/account')).text).toContain('0 of 4 lessons done');

    // a locked lesson's page says when it opens, and nothing of the lesson itself; its files stay refused
    for (const l of [byDays, byDate]) {
      const locked = await a.agent.get(`/account/lessons/${l.id}`).expect(200);
      expect(locked.text).toContain('data-test="locked-notice"');
      expect(locked.text).not.toContain(l.bodyMd);
    }
    await a.agent.get(`/account/files/${file.id}`).expect(404);

    // …and after the date it opens (the service is asked about a moment after the drip date)
    const area = t.app.get(ClientAreaService);
    const later = new Date(opens.getTime() + 60_000);
    const view = await area.lesson(a.id, byDays.id, later);
    expect(view.lesson.title).toBe('Day five');
    await expect(area.lesson(a.id, byDays.id, new Date(opens.getTime() - 60_000))).resolves.toMatchObject({ locked: { opensAt: opens }, lesson: { bodyHtml: null } });
    await expect(area.fileForClient(a.id, file.id, new Date(opens.getTime() - 60_000))).rejects.toMatchObject({ kind: 'not_found' });
    await expect(area.fileForClient(a.id, file.id, later)).resolves.toMatchObject({ size: 1000 });
    await expect(area.lesson(a.id, byDate.id, new Date('2099-03-01T00:00:01Z'))).resolves.toBeDefined();
  });

  it('downloads: attachment with RFC 5987 name, length, nosniff, Range 206 exact bytes, 416, HEAD', async () => {
    const a = await client();
    const p = await createProduct(t);
    const l = await createLesson(t, p.id);
    const bytes = randomBytes(10_000);
    const f = await createFile(t, l, { name: 'Урок 1 "notes".pdf', bytes, contentType: 'application/pdf' });
    await grantAccess(t, a.id, p.id);

    const full = await a.agent.get(`/account/files/${f.id}`).buffer(true).parse(binary).expect(200);
    expect(full.headers['content-type']).toBe('application/pdf');
    expect(full.headers['content-length']).toBe('10000');
    expect(full.headers['x-content-type-options']).toBe('nosniff');
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.headers['content-disposition']).toBe(
      `attachment; filename="____ 1 _notes_.pdf"; filename*=UTF-8''${encodeURIComponent('Урок 1 "notes".pdf')}`,
    );
    expect((full.body as Buffer).equals(bytes)).toBe(true);

    const part = await a.agent.get(`/account/files/${f.id}`).set('Range', 'bytes=100-199').buffer(true).parse(binary).expect(206);
    expect(part.headers['content-range']).toBe('bytes 100-199/10000');
    expect(part.headers['content-length']).toBe('100');
    expect((part.body as Buffer).equals(bytes.subarray(100, 200))).toBe(true);

    const open = await a.agent.get(`/account/files/${f.id}`).set('Range', 'bytes=9990-').buffer(true).parse(binary).expect(206);
    expect(open.headers['content-range']).toBe('bytes 9990-9999/10000');
    expect((open.body as Buffer).equals(bytes.subarray(9990))).toBe(true);
    const suffix = await a.agent.get(`/account/files/${f.id}`).set('Range', 'bytes=-5').buffer(true).parse(binary).expect(206);
    expect((suffix.body as Buffer).equals(bytes.subarray(9995))).toBe(true);

    const bad = await a.agent.get(`/account/files/${f.id}`).set('Range', 'bytes=20000-20010');
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe('bytes */10000');

    const head = await a.agent.head(`/account/files/${f.id}`).expect(200);
    expect(head.headers['content-length']).toBe('10000');
    expect(head.headers['accept-ranges']).toBe('bytes');
  });

  it('signed link: works without a cookie (with Range), refused once expired, tampered, or the grant is revoked', async () => {
    const a = await client();
    const p = await createProduct(t);
    const l = await createLesson(t, p.id);
    const bytes = randomBytes(3000);
    const f = await createFile(t, l, { bytes });
    const g = await grantAccess(t, a.id, p.id);

    const lesson = await a.agent.get(`/account/lessons/${l.id}`).expect(200);
    const link = new RegExp(`href="(/d/${f.id}/${a.id}/(\\d+)/[\\w-]+)"`).exec(lesson.text)!;
    const ttl = Number(link[2]) - Date.now() / 1000;
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);

    const res = await request(t.http).get(link[1]).buffer(true).parse(binary).expect(200);
    expect((res.body as Buffer).equals(bytes)).toBe(true);
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    const r = await request(t.http).get(link[1]).set('Range', 'bytes=10-19').buffer(true).parse(binary).expect(206);
    expect((r.body as Buffer).equals(bytes.subarray(10, 20))).toBe(true);

    const tampered = link[1].replace(/\/(\d+)\/([\w-]+)$/, (_m, e: string, s: string) => `/${Number(e) + 1}/${s}`);
    await request(t.http).get(tampered).expect(404);

    const area = t.app.get(ClientAreaService);
    const expired = area.signedPath(f.id, a.id, Math.floor(Date.now() / 1000) - 1);
    const gone = await request(t.http).get(expired);
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('This download link has expired');

    await t.db.transaction((m) => t.app.get(GrantsService).revoke(m, FACTORY_ACTOR, g.id, 'refund'));
    await request(t.http).get(link[1]).expect(404);
    await a.agent.get(`/account/files/${f.id}`).expect(404);
  });
});
