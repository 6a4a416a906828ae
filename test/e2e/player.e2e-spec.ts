import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { CatalogueStructureService } from '../../src/members/catalogue/catalogue-structure.service';
import { ProductCover } from '../../src/members/catalogue/entities/product-cover.entity';
import { LessonCompletion } from '../../src/members/client-area/entities/lesson-completion.entity';
import { ClientAreaService } from '../../src/members/client-area/client-area.service';
import { pngImage } from '../factories/covers';
import { createFile, createLesson, createProduct, FACTORY_ACTOR, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const DAY = 86400_000;

/** Collects a binary body whatever its content type. */
function binary(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

describe('lesson player: completion, progress, drip-locked lessons, product covers', () => {
  let t: TestApp;
  let admin: Agent;
  beforeAll(async () => {
    t = await startTestApp();
    const u = await createUser(t, { role: 'admin' });
    admin = await loginAgent(t, u.email, u.password);
  });
  afterAll(() => t.close());

  async function client(): Promise<{ id: number; agent: Agent }> {
    const u = await createUser(t, { locale: 'en' });
    return { id: u.id, agent: await loginAgent(t, u.email, u.password) };
  }

  /** Posts a lesson page's own form (complete / uncomplete) with the page's CSRF token. */
  async function post(a: Agent, lessonId: number, action: 'complete' | 'uncomplete', pageUrl = `/account/lessons/${lessonId}`) {
    const page = await a.get(pageUrl);
    return a.post(`/account/lessons/${lessonId}/${action}`).type('form').send({ _csrf: csrfFrom(page.text) });
  }

  const completions = (clientId: number) => t.db.manager.find(LessonCompletion, { where: { clientId }, order: { lessonId: 'ASC' } });

  it('marks a lesson complete (idempotent, first time kept), shows it in the sidebar, and undoes it', async () => {
    const a = await client();
    const p = await createProduct(t, { title: 'Ink' });
    const l1 = await createLesson(t, p.id, { title: 'Pens', position: 1 });
    const l2 = await createLesson(t, p.id, { title: 'Hatching', position: 2 });
    await grantAccess(t, a.id, p.id);

    const before = await a.agent.get(`/account/lessons/${l1.id}`).expect(200);
    expect(before.text).toContain(`action="/account/lessons/${l1.id}/complete"`);
    expect(before.text).toMatch(new RegExp(`data-test="outline-${l1.id}" data-state="open"[\\s\\S]*?aria-current="page"`));
    expect(before.text).toContain('0 of 2 lessons done');

    const res = await post(a.agent, l1.id, 'complete');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/account/lessons/${l1.id}`);
    const [first] = await completions(a.id);
    expect(first).toMatchObject({ lessonId: l1.id });

    // again: still one row, same time
    await new Promise((r) => setTimeout(r, 20));
    expect((await post(a.agent, l1.id, 'complete')).status).toBe(303);
    const again = await completions(a.id);
    expect(again).toHaveLength(1);
    expect(again[0].completedAt.getTime()).toBe(first.completedAt.getTime());

    const after = await a.agent.get(`/account/lessons/${l1.id}`).expect(200);
    expect(after.text).toContain(`data-test="outline-${l1.id}" data-state="done"`);
    expect(after.text).toContain(`data-test="outline-${l2.id}" data-state="open"`);
    expect(after.text).toContain('1 of 2 lessons done');
    expect(after.text).toContain('data-test="completed"');
    expect(after.text).toContain(`action="/account/lessons/${l1.id}/uncomplete"`);
    expect(after.text).toContain(`href="/account/lessons/${l2.id}" rel="next"`);
    // the product page and /account agree, and "Continue" goes to the next lesson not done
    expect((await a.agent.get(`/account/products/${p.slug}`)).text).toContain('1 of 2 lessons done');
    const home = await a.agent.get('/account').expect(200);
    expect(home.text).toContain('1 of 2 lessons done');
    expect(home.text).toMatch(new RegExp(`<progress class="progress" max="2" value="1" aria-label="Progress in Ink"`));
    expect(home.text).toContain(`href="/account/lessons/${l2.id}" data-test="resume-${p.slug}"`);

    expect((await post(a.agent, l1.id, 'uncomplete')).status).toBe(303);
    expect(await completions(a.id)).toHaveLength(0);
    expect((await post(a.agent, l1.id, 'uncomplete')).status).toBe(303);
    expect((await a.agent.get('/account')).text).toContain('0 of 2 lessons done');

    // without the form's token the post is refused
    const forged = await a.agent.post(`/account/lessons/${l1.id}/complete`).type('form').send({});
    expect(forged.status).toBe(403);
    expect(await completions(a.id)).toHaveLength(0);
  });

  it("another client's lesson, a product without access, a revoked grant: 404 for the page and the completion", async () => {
    const a = await client();
    const b = await client();
    const p = await createProduct(t);
    const l = await createLesson(t, p.id);
    await grantAccess(t, a.id, p.id);
    await post(a.agent, l.id, 'complete').then((r) => expect(r.status).toBe(303));

    // B has no access: the lesson page is 404 (not the locked page), and so is completing it
    await b.agent.get(`/account/lessons/${l.id}`).expect(404);
    const home = await b.agent.get('/account');
    const csrf = csrfFrom(home.text);
    for (const action of ['complete', 'uncomplete']) {
      const r = await b.agent.post(`/account/lessons/${l.id}/${action}`).type('form').send({ _csrf: csrf });
      expect([action, r.status]).toEqual([action, 404]);
    }
    await b.agent.post('/account/lessons/999999/complete').type('form').send({ _csrf: csrf }).expect(404);
    expect(await completions(b.id)).toHaveLength(0);
    // A's mark is A's alone
    expect(await completions(a.id)).toHaveLength(1);
    // a draft product's lesson is 404 even with a grant
    const draft = await createProduct(t, { status: 'draft' });
    const dl = await createLesson(t, draft.id);
    await grantAccess(t, b.id, draft.id);
    await b.agent.get(`/account/lessons/${dl.id}`).expect(404);
    await b.agent.post(`/account/lessons/${dl.id}/complete`).type('form').send({ _csrf: csrf }).expect(404);
  });

  it('a drip-locked lesson answers 200 with its date and the outline, no body, files or embeds; it cannot be completed', async () => {
    const a = await client();
    const p = await createProduct(t, { title: 'Drip course' });
    const start = new Date(Date.now() - DAY);
    const open = await createLesson(t, p.id, { title: 'Welcome', position: 1 });
    const locked = await createLesson(t, p.id, {
      title: 'Week two',
      position: 2,
      dripDays: 7,
      bodyMd: 'SECRET-BODY-TEXT\n\n<iframe src="https://www.youtube-nocookie.com/embed/zzz" title="v"></iframe>',
    });
    const file = await createFile(t, locked, { name: 'week-two.pdf' });
    await grantAccess(t, a.id, p.id, { startsAt: start });

    const page = await a.agent.get(`/account/lessons/${locked.id}`).expect(200);
    const opens = new Date(start.getTime() + 7 * DAY);
    const fmt = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
    expect(page.text).toContain(`This lesson opens ${fmt.format(opens)}</h2>`); // in the site zone, which the client reads in: unnamed
    expect(page.text).toContain('data-test="locked-notice"');
    expect(page.text).not.toContain('SECRET-BODY-TEXT');
    expect(page.text).not.toContain('<iframe');
    expect(page.text).not.toContain('week-two.pdf');
    expect(page.text).not.toContain(`/account/files/${file.id}`);
    expect(page.text).not.toContain(`action="/account/lessons/${locked.id}/complete"`);
    // the outline is there, with the current (locked) lesson marked, and the way back
    expect(page.text).toMatch(new RegExp(`data-test="outline-${locked.id}" data-state="locked"[\\s\\S]*?aria-current="page"`));
    expect(page.text).toContain(`href="/account/lessons/${open.id}" rel="prev"`);
    // the previous lesson shows its locked successor with the date, as a link to this page
    const prevPage = await a.agent.get(`/account/lessons/${open.id}`).expect(200);
    expect(prevPage.text).toContain(`Next: Week two · opens ${fmt.format(opens)}</span>`);

    await a.agent.get(`/account/files/${file.id}`).expect(404);
    const csrf = csrfFrom(page.text);
    const refused = await a.agent.post(`/account/lessons/${locked.id}/complete`).type('form').send({ _csrf: csrf });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('This lesson has not opened yet, so it cannot be marked as complete.');
    expect(refused.text).not.toContain('SECRET-BODY-TEXT');
    expect(await completions(a.id)).toHaveLength(0);

    // the service, asked about a moment after the drip date, gives the body
    const area = t.app.get(ClientAreaService);
    const later = await area.lesson(a.id, locked.id, new Date(opens.getTime() + 60_000));
    expect(later.locked).toBeNull();
    expect(later.lesson.bodyHtml).toContain('SECRET-BODY-TEXT');
    const earlier = await area.lesson(a.id, locked.id, new Date(opens.getTime() - 60_000));
    expect(earlier).toMatchObject({ locked: { opensAt: opens }, lesson: { bodyHtml: null }, files: [] });
  });

  it('progress counts only lessons that exist now, on /account and on the admin client page', async () => {
    const a = await client();
    const other = await client();
    const p = await createProduct(t, { title: 'Counting course' });
    const never = await createProduct(t, { title: 'Granted, untouched' });
    await createLesson(t, never.id);
    const ls = [];
    for (let i = 1; i <= 4; i++) ls.push(await createLesson(t, p.id, { title: `L${i}`, position: i }));
    await grantAccess(t, a.id, p.id);
    await grantAccess(t, a.id, never.id);
    await grantAccess(t, other.id, p.id);
    for (const l of ls.slice(0, 3)) expect((await post(a.agent, l.id, 'complete')).status).toBe(303);
    expect((await post(other.agent, ls[3].id, 'complete')).status).toBe(303);

    expect((await a.agent.get('/account')).text).toContain('3 of 4 lessons done');
    const show = await admin.get(`/admin/clients/${a.id}`).expect(200);
    const row = (id: number, html: string) => new RegExp(`data-test="progress-row" data-product="${id}">[\\s\\S]*?</li>`).exec(html)?.[0] ?? '';
    expect(row(p.id, show.text)).toContain('3 of 4');
    expect(row(p.id, show.text)).toContain('Last lesson completed');
    expect(row(never.id, show.text)).toContain('0 of 1');
    expect(row(never.id, show.text)).toContain('No lesson completed yet');

    // a deleted lesson takes its completions with it (for every client), and stops counting
    await t.app.get(CatalogueStructureService).deleteLesson(FACTORY_ACTOR, ls[0].id);
    expect(await t.db.manager.countBy(LessonCompletion, { lessonId: ls[0].id })).toBe(0);
    expect((await a.agent.get('/account')).text).toContain('2 of 3 lessons done');
    expect(row(p.id, (await admin.get(`/admin/clients/${a.id}`)).text)).toContain('2 of 3');
    expect((await other.agent.get('/account')).text).toContain('1 of 3 lessons done');
  });

  describe('covers', () => {
    async function coverForm(productId: number) {
      const page = await admin.get(`/admin/products/${productId}`).expect(200);
      // the token comes before the file in the cover form
      expect(page.text).toMatch(new RegExp(`action="/admin/products/${productId}/cover">\\s*<input type="hidden" name="_csrf"`));
      return csrfFrom(page.text);
    }
    const upload = (productId: number, csrf: string, bytes: Buffer, name: string, type = 'image/png') =>
      admin.post(`/admin/products/${productId}/cover`).field('_csrf', csrf).attach('cover', bytes, { filename: name, contentType: type });

    it('refuses a ".png" that is really text with a clear message, accepts a real PNG, serves it only to those with access', async () => {
      const p = await createProduct(t, { title: 'Covered' });
      await createLesson(t, p.id);
      const a = await client();
      const b = await client();
      await grantAccess(t, a.id, p.id);
      const csrf = await coverForm(p.id);
      const filesBefore = fs.readdirSync(t.config.filesDir).length;

      const fake = await upload(p.id, csrf, Buffer.from('I am definitely a PNG image, trust me.\n'), 'photo.png');
      expect(fake.status).toBe(415);
      expect(fake.text).toContain('This file is not a JPEG, PNG, WebP or GIF image');
      expect(fake.text).toContain('data-test="cover-error"');
      expect(fake.text).toContain(`value="${p.slug}"`);
      const html = await upload(p.id, csrf, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'cover.gif', 'image/gif');
      expect(html.status).toBe(415);
      const none = await admin.post(`/admin/products/${p.id}/cover`).field('_csrf', csrf).field('x', '1');
      expect(none.status).toBe(400);
      expect(none.text).toContain('Choose an image to upload.');
      expect(await t.db.manager.countBy(ProductCover, { productId: p.id })).toBe(0);
      expect(fs.readdirSync(t.config.filesDir).length).toBe(filesBefore);
      // without the token first, nothing is read
      expect((await admin.post(`/admin/products/${p.id}/cover`).attach('cover', pngImage(), 'a.png')).status).toBe(403);

      const png = pngImage(32, 18);
      // named .jpg and claimed as text: the bytes decide
      const ok = await upload(p.id, csrf, png, 'cover.jpg', 'text/plain');
      expect(ok.status).toBe(303);
      expect(ok.headers.location).toBe(`/admin/products/${p.id}#cover`);
      const row = await t.db.manager.findOneByOrFail(ProductCover, { productId: p.id });
      expect(row).toMatchObject({ contentType: 'image/png', sizeBytes: png.length });
      expect(row.storageKey).toMatch(/^[0-9a-f]{48}$/);
      expect(fs.readFileSync(path.join(t.config.filesDir, row.storageKey)).equals(png)).toBe(true);
      expect(await t.db.manager.countBy(AuditEntry, { action: 'product.cover_set', subjectId: String(p.id) })).toBe(1);

      // shown on the client's card and in the admin list, by a versioned address that never names the stored file
      const home = await a.agent.get('/account').expect(200);
      const src = new RegExp(`<img class="cover cover-card" src="(/covers/${p.id}\\?v=[0-9a-f]{16})"`).exec(home.text)?.[1];
      expect(src).toBeDefined();
      expect(home.text).not.toContain(row.storageKey);
      expect((await admin.get('/admin/products')).text).toContain(`src="${src}"`);

      const got = await a.agent.get(src!).buffer(true).parse(binary).expect(200);
      expect(got.headers['content-type']).toBe('image/png');
      expect(got.headers['x-content-type-options']).toBe('nosniff');
      expect(got.headers['cache-control']).toBe('private, max-age=86400');
      expect((got.body as Buffer).equals(png)).toBe(true);
      await a.agent.get(src!).set('If-None-Match', got.headers.etag as string).expect(304);
      await admin.get(src!).expect(200);
      // another client, and nobody logged in
      await b.agent.get(src!).expect(404);
      expect((await request(t.http).get(src!)).status).toBe(303);

      // replacing it removes the old bytes; removing it leaves the placeholder
      const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.alloc(40, 0)]);
      expect((await upload(p.id, csrf, gif, 'x.gif')).status).toBe(303);
      const replaced = await t.db.manager.findOneByOrFail(ProductCover, { productId: p.id });
      expect(replaced.contentType).toBe('image/gif');
      expect(fs.existsSync(path.join(t.config.filesDir, row.storageKey))).toBe(false);
      expect((await a.agent.get(`/covers/${p.id}`)).headers['content-type']).toBe('image/gif');

      const page = await admin.get(`/admin/products/${p.id}`);
      const del = await admin.post(`/admin/products/${p.id}/cover/delete`).type('form').send({ _csrf: csrfFrom(page.text) });
      expect(del.status).toBe(303);
      expect(await t.db.manager.countBy(ProductCover, { productId: p.id })).toBe(0);
      expect(fs.existsSync(path.join(t.config.filesDir, replaced.storageKey))).toBe(false);
      await a.agent.get(`/covers/${p.id}`).expect(404);
      const after = await a.agent.get('/account');
      expect(after.text).toContain('cover-placeholder');
      expect(after.text).not.toContain(`/covers/${p.id}`);
    });

    it('an image over the limit is refused with 413 and nothing kept', async () => {
      const p = await createProduct(t);
      const csrf = await coverForm(p.id);
      const big = Buffer.concat([pngImage(), Buffer.alloc(5 * 1024 * 1024 + 10, 0)]);
      const res = await upload(p.id, csrf, big, 'big.png');
      expect(res.status).toBe(413);
      expect(res.text).toContain('The image is larger than 5 MB.');
      expect(await t.db.manager.countBy(ProductCover, { productId: p.id })).toBe(0);
    });
  });
});
