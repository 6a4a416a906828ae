import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { Lesson } from '../../src/members/catalogue/entities/lesson.entity';
import { Product } from '../../src/members/catalogue/entities/product.entity';
import { Section } from '../../src/members/catalogue/entities/section.entity';
import { StoredFile } from '../../src/members/catalogue/entities/stored-file.entity';
import { createFile, createLesson, createProduct } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import type { ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

describe('members: admin catalogue, markdown, uploads, products API', () => {
  let t: TestApp;
  let admin: Agent;
  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_UPLOAD_BYTES: '4096' } });
    const u = await createUser(t, { role: 'admin' });
    admin = await loginAgent(t, u.email, u.password);
  });
  afterAll(() => t.close());

  it('creates, lists and edits a product through the admin pages, audited', async () => {
    const bad = await formPost(admin, '/admin/products', '/admin/products', { slug: 'Bad Slug!', title: '', status: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Use lower-case letters');
    expect(bad.text).toContain('Choose draft, published or archived.');
    expect(bad.text).toContain('value="Bad Slug!"');

    const ok = await formPost(admin, '/admin/products', '/admin/products', { slug: 'python-basics', title: 'Python basics', priceLabel: '1990 ₽', status: 'published', endGrantOnRefund: 'on' });
    expect(ok.status).toBe(303);
    const p = await t.db.manager.findOneByOrFail(Product, { slug: 'python-basics' });
    expect(ok.headers.location).toBe(`/admin/products/${p.id}`);
    expect(p).toMatchObject({ title: 'Python basics', status: 'published', priceLabel: '1990 ₽', endGrantOnRefund: true });

    const dup = await formPost(admin, '/admin/products', '/admin/products', { slug: 'python-basics', title: 'Again' });
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('Another product already uses this address.');

    const list = await admin.get('/admin/products').expect(200);
    expect(list.text).toContain('Python basics');

    const edit = await formPost(admin, `/admin/products/${p.id}`, `/admin/products/${p.id}`, { slug: 'python-basics', title: 'Python basics 2', status: 'archived' });
    expect(edit.status).toBe(303);
    const after = await t.db.manager.findOneByOrFail(Product, { id: p.id });
    expect(after).toMatchObject({ title: 'Python basics 2', status: 'archived', endGrantOnRefund: false });
    const actions = (await t.db.manager.findBy(AuditEntry, { subjectType: 'product', subjectId: String(p.id) })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['product.create', 'product.update']));

    await admin.get('/admin/products/999999').expect(404);
    const client = await createUser(t);
    const c = await loginAgent(t, client.email, client.password);
    expect((await c.get('/admin/products')).status).toBe(403);
  });

  it('adds, renames and reorders sections; adds and edits lessons with drip', async () => {
    const p = await createProduct(t);
    const s1 = await formPost(admin, `/admin/products/${p.id}`, `/admin/products/${p.id}/sections`, { title: 'Intro' });
    expect(s1.status).toBe(303);
    await formPost(admin, `/admin/products/${p.id}`, `/admin/products/${p.id}/sections`, { title: 'Advanced', position: '5' });
    const sections = await t.db.manager.find(Section, { where: { productId: p.id }, order: { position: 'ASC' } });
    expect(sections.map((s) => [s.title, s.position])).toEqual([
      ['Intro', 1],
      ['Advanced', 5],
    ]);
    const ren = await formPost(admin, `/admin/products/${p.id}`, `/admin/products/${p.id}/sections/${sections[0].id}`, { title: 'Start here', position: '9' });
    expect(ren.status).toBe(303);
    const again = await t.db.manager.find(Section, { where: { productId: p.id }, order: { position: 'ASC' } });
    expect(again.map((s) => s.title)).toEqual(['Advanced', 'Start here']);
    const badSection = await formPost(admin, `/admin/products/${p.id}`, `/admin/products/${p.id}/sections`, { title: '', position: 'x' });
    expect(badSection.status).toBe(400);
    expect(badSection.text).toContain('Enter a whole number from 0 to 100000.');
    // the product form above keeps the product's own values
    expect(badSection.text).toMatch(new RegExp(`id="f-title"[^>]*value="${p.title}"`));

    const other = await createProduct(t);
    const foreign = await formPost(admin, `/admin/products/${other.id}`, `/admin/products/${other.id}/sections/${sections[0].id}`, { title: 'hijack' });
    expect(foreign.status).toBe(404);

    const page = `/admin/products/${p.id}/lessons/new`;
    const badLesson = await formPost(admin, page, `/admin/products/${p.id}/lessons`, { title: '', dripMode: 'days', dripDays: '0', sectionId: String(sections[0].id + 1000) });
    expect(badLesson.status).toBe(400);
    expect(badLesson.text).toContain('Enter a number of days from 1 to 3650.');
    expect(badLesson.text).toContain('Choose a section of this product.');

    const created = await formPost(admin, page, `/admin/products/${p.id}/lessons`, { title: 'Week 2', sectionId: String(sections[1].id), dripMode: 'days', dripDays: '7', bodyMd: '# Hello' });
    expect(created.status).toBe(303);
    const l = await t.db.manager.findOneByOrFail(Lesson, { productId: p.id, title: 'Week 2' });
    expect(created.headers.location).toBe(`/admin/lessons/${l.id}`);
    expect(l).toMatchObject({ sectionId: sections[1].id, dripDays: 7, dripDate: null, position: 1 });
    expect(l.bodyHtml).toContain('<h1>Hello</h1>');

    const upd = await formPost(admin, `/admin/lessons/${l.id}`, `/admin/lessons/${l.id}`, { title: 'Week 2', sectionId: '', position: '4', dripMode: 'date', dripDate: '2030-01-15' });
    expect(upd.status).toBe(303);
    const l2 = await t.db.manager.findOneByOrFail(Lesson, { id: l.id });
    expect(l2).toMatchObject({ sectionId: null, position: 4, dripDays: null });
    expect(l2.dripDate!.toISOString()).toBe('2030-01-15T00:00:00.000Z');
    const show = await admin.get(`/admin/products/${p.id}`).expect(200);
    expect(show.text).toContain('Week 2');
    const badDate = await formPost(admin, `/admin/lessons/${l.id}`, `/admin/lessons/${l.id}`, { title: 'Week 2', dripMode: 'date', dripDate: '2030-02-31' });
    expect(badDate.status).toBe(400);
    expect(badDate.text).toContain('Enter a date');
  });

  it('sanitises lesson Markdown at save: scripts and foreign iframes go, allow-listed players stay', async () => {
    const p = await createProduct(t);
    const md = [
      'Intro **bold**',
      '',
      '<script>alert(1)</script>',
      '<img src="x" onerror="alert(2)">',
      '<a href="javascript:alert(3)">click</a>',
      '<iframe src="https://evil.example.com/embed/x"></iframe>',
      '<iframe src="http://www.youtube.com/embed/abc"></iframe>',
      '<iframe src="https://www.youtube.com/watch?v=abc"></iframe>',
      '<iframe src="https://www.youtube-nocookie.com/embed/abc123" allowfullscreen></iframe>',
      '<iframe src="https://player.vimeo.com/video/42"></iframe>',
      '<iframe src="https://rutube.ru/play/embed/abcdef"></iframe>',
      '<iframe src="https://vk.com/video_ext.php?oid=1&id=2"></iframe>',
    ].join('\n');
    const res = await formPost(admin, `/admin/products/${p.id}/lessons/new`, `/admin/products/${p.id}/lessons`, { title: 'Video', bodyMd: md });
    expect(res.status).toBe(303);
    const l = await t.db.manager.findOneByOrFail(Lesson, { productId: p.id });
    expect(l.bodyMd).toBe(md);
    const html = l.bodyHtml;
    expect(html).toContain('<strong>bold</strong>');
    expect(html).not.toMatch(/<script|onerror|javascript:|alert\(1\)/);
    expect(html).not.toContain('evil.example.com');
    expect(html).not.toContain('http://www.youtube.com');
    expect(html).not.toContain('watch?v=abc');
    expect(html).toContain('<iframe src="https://www.youtube-nocookie.com/embed/abc123" allowfullscreen');
    expect(html).toContain('src="https://player.vimeo.com/video/42"');
    expect(html).toContain('src="https://rutube.ru/play/embed/abcdef"');
    expect(html).toContain('src="https://vk.com/video_ext.php?oid=1&amp;id=2"');
    expect((html.match(/<iframe/g) ?? []).length).toBe(4);

    // the browser is told to allow exactly those players
    const page = await admin.get(`/admin/lessons/${l.id}`).expect(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("frame-src 'self' https://www.youtube.com https://youtube.com https://www.youtube-nocookie.com https://player.vimeo.com https://rutube.ru https://vk.com");
  });

  it('uploads a file by streaming multipart: random name, size, sha256 and sniffed type; refuses too large and missing CSRF', async () => {
    const p = await createProduct(t);
    const create = await formPost(admin, `/admin/products/${p.id}/lessons/new`, `/admin/products/${p.id}/lessons`, { title: 'With files' });
    const lessonUrl = create.headers.location as string;
    const lessonId = Number(lessonUrl.split('/').pop());
    const page = await admin.get(lessonUrl).expect(200);
    const csrf = csrfFrom(page.text);
    // the token is the form's first field (checked before the file is read), never in the URL
    expect(page.text).toMatch(new RegExp(`action="/admin/lessons/${lessonId}/files" class="inline-form">\\s*<input type="hidden" name="_csrf"`));
    expect(page.text).not.toContain('_csrf=');

    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2000, 7)]);
    const up = await admin.post(`/admin/lessons/${lessonId}/files`).field('_csrf', csrf).attach('file', pdf, { filename: 'Конспект урока.txt', contentType: 'text/html' });
    expect(up.status).toBe(303);
    const f = await t.db.manager.findOneByOrFail(StoredFile, { lessonId });
    expect(f).toMatchObject({ productId: p.id, originalName: 'Конспект урока.txt', sizeBytes: pdf.length, contentType: 'application/pdf' });
    expect(f.sha256).toBe(createHash('sha256').update(pdf).digest('hex'));
    expect(f.storageKey).toMatch(/^[0-9a-f]{48}$/);
    expect(fs.readFileSync(path.join(t.config.filesDir, f.storageKey)).equals(pdf)).toBe(true);
    expect((await t.db.manager.findBy(AuditEntry, { action: 'file.upload' })).length).toBe(1);

    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    await admin.post(`/admin/lessons/${lessonId}/files`).field('_csrf', csrf).attach('file', png, 'a.png').expect(303);
    const unknown = Buffer.from('<html><script>alert(1)</script></html>');
    await admin.post(`/admin/lessons/${lessonId}/files`).field('_csrf', csrf).attach('file', unknown, 'page.pdf').expect(303);
    const types = (await t.db.manager.find(StoredFile, { where: { lessonId }, order: { id: 'ASC' } })).map((x) => x.contentType);
    expect(types).toEqual(['application/pdf', 'image/png', 'application/octet-stream']);

    const before = fs.readdirSync(t.config.filesDir).length;
    const big = await admin.post(`/admin/lessons/${lessonId}/files`).field('_csrf', csrf).attach('file', Buffer.alloc(10_000, 1), 'big.bin');
    expect(big.status).toBe(413);
    expect(big.text).toContain('The file is larger than the upload limit of 4 KiB.');
    expect(big.text).toContain('value="With files"');
    expect(fs.readdirSync(t.config.filesDir).length).toBe(before);
    expect(await t.db.manager.countBy(StoredFile, { lessonId })).toBe(3);

    const noFile = await admin.post(`/admin/lessons/${lessonId}/files`).field('_csrf', csrf).field('x', 'y');
    expect(noFile.status).toBe(400);
    expect(noFile.text).toContain('Choose a file to upload.');
    expect(await t.db.manager.countBy(StoredFile, { lessonId })).toBe(3);
  });

  it('an upload without its CSRF field first is refused with 403 before the file is read, and multipart cannot skip the check elsewhere', async () => {
    const p = await createProduct(t);
    const create = await formPost(admin, `/admin/products/${p.id}/lessons/new`, `/admin/products/${p.id}/lessons`, { title: 'Guarded' });
    const lessonId = Number((create.headers.location as string).split('/').pop());
    const csrf = csrfFrom((await admin.get(`/admin/lessons/${lessonId}`).expect(200)).text);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1000, 7)]);
    const otherBrowsers = csrfFrom((await request.agent(t.http).get('/login')).text);
    const files = () => fs.readdirSync(t.config.filesDir).sort();
    const before = files();
    const refused = [
      admin.post(`/admin/lessons/${lessonId}/files`).attach('file', pdf, 'none.pdf'), // no token
      admin.post(`/admin/lessons/${lessonId}/files`).field('_csrf', 'x'.repeat(csrf.length)).attach('file', pdf, 'wrong.pdf'),
      admin.post(`/admin/lessons/${lessonId}/files`).attach('file', pdf, 'late.pdf').field('_csrf', csrf), // after the file
      admin.post(`/admin/lessons/${lessonId}/files?_csrf=${encodeURIComponent(csrf)}`).attach('file', pdf, 'query.pdf'), // the URL is not read
      admin.post(`/admin/lessons/${lessonId}/files`).field('_csrf', otherBrowsers).attach('file', pdf, 'other.pdf'), // another browser's token
    ];
    for (const res of await Promise.all(refused)) {
      expect(res.status).toBe(403);
      expect(res.text).toContain('form expired');
    }
    expect(files()).toEqual(before); // not even a temporary file was written
    expect(await t.db.manager.countBy(StoredFile, { lessonId })).toBe(0);

    // a form handler that does not read multipart bodies refuses one, even with a valid _csrf field in it
    const multipart = await admin.post(`/admin/products`).field('_csrf', csrf).field('slug', 'sneaky').field('title', 'Sneaky');
    expect(multipart.status).toBe(403);
    // and a token in the URL counts for nothing on an ordinary form either
    const query = await admin.post(`/admin/products?_csrf=${encodeURIComponent(csrf)}`).type('form').send({ slug: 'sneaky', title: 'Sneaky' });
    expect(query.status).toBe(403);
    expect(await t.db.manager.query(`SELECT id FROM products WHERE slug = 'sneaky'`)).toEqual([]);

    // the header works for scripts, as on every other form
    await admin.post(`/admin/lessons/${lessonId}/files`).set('X-CSRF-Token', csrf).attach('file', pdf, 'header.pdf').expect(303);
    await admin.post(`/admin/lessons/${lessonId}/files`).field('_csrf', csrf).attach('file', pdf, 'field.pdf').expect(303);
    expect(await t.db.manager.countBy(StoredFile, { lessonId })).toBe(2);
  });

  it('an oversized upload is refused with 413 as soon as it passes the limit: nothing kept, the rest never read', async () => {
    const p = await createProduct(t);
    const create = await formPost(admin, `/admin/products/${p.id}/lessons/new`, `/admin/products/${p.id}/lessons`, { title: 'Big files' });
    const lessonId = Number((create.headers.location as string).split('/').pop());
    const page = await admin.get(`/admin/lessons/${lessonId}`).expect(200);
    const cookie = String((page as unknown as { req: ClientRequest }).req.getHeader('cookie'));
    const url = `/admin/lessons/${lessonId}/files`;
    const server = t.http.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const boundary = 'kabinet-test-boundary';
    const csrfPart = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrfFrom(page.text)}\r\n`;
    const partHead = `${csrfPart}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="huge.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const leftovers = () => fs.readdirSync(t.config.filesDir).filter((n) => n.startsWith('.upload-'));
    /** Sends `first` and then keeps the request open (more bytes every 20 ms) until the server answers. */
    const send = (headers: Record<string, string>, first: Buffer) =>
      new Promise<{ status: number; body: string; sentAfterAnswer: number; totalSent: number }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: url, headers: { Cookie: cookie, 'Content-Type': `multipart/form-data; boundary=${boundary}`, ...headers } });
        let totalSent = first.length;
        let answered = false;
        const giveUp = setTimeout(() => {
          clearInterval(more);
          req.destroy();
          reject(new Error('no answer while the body was still being sent'));
        }, 5000);
        req.write(first);
        const more = setInterval(() => {
          if (answered || req.destroyed) return;
          req.write(Buffer.alloc(1024, 2));
          totalSent += 1024;
        }, 20);
        req.on('error', () => undefined); // the server may drop the connection once it has answered
        req.on('response', (res) => {
          answered = true;
          const atAnswer = totalSent;
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            clearInterval(more);
            clearTimeout(giveUp);
            req.destroy();
            resolve({ status: res.statusCode!, body, sentAfterAnswer: totalSent - atAnswer, totalSent });
          });
        });
      });
    try {
      // 1. A Content-Length that cannot fit: refused before the body is read (only the part header was sent).
      const declared = await send({ 'Content-Length': String(50 * 1024 * 1024) }, Buffer.from(partHead));
      expect(declared.status).toBe(413);
      expect(declared.body).toContain('The file is larger than the upload limit of 4 KiB.');
      expect(declared.totalSent).toBeLessThan(64 * 1024);

      // 2. No length (chunked): the server answers while the client is still sending, far short of "everything".
      const streamed = await send({ 'Transfer-Encoding': 'chunked' }, Buffer.concat([Buffer.from(partHead), Buffer.alloc(3000, 1)]));
      expect(streamed.status).toBe(413);
      expect(streamed.body).toContain('The file is larger than the upload limit of 4 KiB.');
      expect(streamed.body).toContain('value="Big files"');
      expect(streamed.totalSent).toBeLessThan(64 * 1024);
    } finally {
      server.close();
    }
    // the partial file was removed before the 413 went out, and nothing was recorded
    expect(leftovers()).toEqual([]);
    expect(await t.db.manager.countBy(StoredFile, { lessonId })).toBe(0);
    // the app still serves the next request normally
    await admin.get(`/admin/lessons/${lessonId}`).expect(200);
  });

  it('moves lessons within their section and sections within the product, one step at a time, audited', async () => {
    const p = await createProduct(t);
    const page = `/admin/products/${p.id}`;
    for (const title of ['One', 'Two', 'Three']) await formPost(admin, page, `${page}/sections`, { title });
    const [s1, s2, s3] = await t.db.manager.find(Section, { where: { productId: p.id }, order: { position: 'ASC' } });
    const a = await createLesson(t, p.id, { title: 'A', sectionId: s1.id, position: 1 });
    const loose = await createLesson(t, p.id, { title: 'Loose', position: 2 });
    const b = await createLesson(t, p.id, { title: 'B', sectionId: s1.id, position: 3 });
    const c = await createLesson(t, p.id, { title: 'C', sectionId: s1.id, position: 3 });
    const order = async () => (await t.db.manager.find(Lesson, { where: { productId: p.id }, order: { position: 'ASC', id: 'ASC' } })).map((l) => l.title);
    const before = (await t.db.manager.findOneByOrFail(Product, { id: p.id })).updatedAt;

    const shown = await admin.get(page).expect(200);
    // plain forms (no script): each arrow posts its direction with the CSRF token
    expect(shown.text).toMatch(new RegExp(`action="/admin/lessons/${c.id}/move" class="inline-form"><input type="hidden" name="_csrf" value="[^"]+"><input type="hidden" name="direction" value="up">`));
    // A is first of its section: only a "down" arrow; C is last: only an "up" one
    expect(shown.text.split(`action="/admin/lessons/${a.id}/move"`)).toHaveLength(2);
    expect(shown.text.split(`action="/admin/lessons/${c.id}/move"`)).toHaveLength(2);
    // C moves above B; then above A, jumping over the lesson outside the section
    expect((await formPost(admin, page, `/admin/lessons/${c.id}/move`, { direction: 'up' })).headers.location).toBe(`${page}#lessons`);
    expect(await order()).toEqual(['A', 'Loose', 'C', 'B']);
    await formPost(admin, page, `/admin/lessons/${c.id}/move`, { direction: 'up' });
    expect(await order()).toEqual(['C', 'Loose', 'A', 'B']);
    const positions = (await t.db.manager.find(Lesson, { where: { productId: p.id } })).map((l) => l.position).sort();
    expect(positions).toEqual([1, 2, 3, 4]);
    // already first among its peers: nothing changes
    expect((await formPost(admin, page, `/admin/lessons/${c.id}/move`, { direction: 'up' })).status).toBe(303);
    expect(await order()).toEqual(['C', 'Loose', 'A', 'B']);
    await formPost(admin, page, `/admin/lessons/${loose.id}/move`, { direction: 'down' });
    expect(await order()).toEqual(['C', 'Loose', 'A', 'B']);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'lesson.move', subjectId: String(p.id) })).toBe(2);
    expect((await t.db.manager.findOneByOrFail(Product, { id: p.id })).updatedAt.getTime()).toBeGreaterThanOrEqual(before.getTime());

    const bad = await formPost(admin, page, `/admin/lessons/${a.id}/move`, { direction: 'sideways' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Choose up or down.');
    expect((await formPost(admin, page, '/admin/lessons/999999/move', { direction: 'up' })).status).toBe(404);

    await formPost(admin, page, `${page}/sections/${s3.id}/move`, { direction: 'up' });
    await formPost(admin, page, `${page}/sections/${s3.id}/move`, { direction: 'up' });
    const sections = await t.db.manager.find(Section, { where: { productId: p.id }, order: { position: 'ASC' } });
    expect(sections.map((s) => s.title)).toEqual(['Three', 'One', 'Two']);
    expect(sections.map((s) => s.id)).toEqual([s3.id, s1.id, s2.id]);
    const other = await createProduct(t);
    expect((await formPost(admin, page, `/admin/products/${other.id}/sections/${s1.id}/move`, { direction: 'up' })).status).toBe(404);
    expect(b.title).toBe('B');
  });

  it('deletes a file, a lesson (with its files) and a section (keeping its lessons) after a confirmation page', async () => {
    const p = await createProduct(t);
    const page = `/admin/products/${p.id}`;
    await formPost(admin, page, `${page}/sections`, { title: 'Doomed section' });
    const section = await t.db.manager.findOneByOrFail(Section, { productId: p.id });
    const keep = await createLesson(t, p.id, { title: 'Kept lesson', sectionId: section.id });
    const doomed = await createLesson(t, p.id, { title: 'Doomed lesson' });
    const f1 = await createFile(t, keep, { name: 'slides.pdf' });
    const f2 = await createFile(t, doomed, { name: 'a.bin' });
    const f3 = await createFile(t, doomed, { name: 'b.bin' });
    const blob = (f: StoredFile) => path.join(t.config.filesDir, f.storageKey);

    // a file: the confirmation names it; the POST needs the CSRF token; the bytes go after the commit
    const confirm = await admin.get(`/admin/files/${f1.id}/delete`).expect(200);
    expect(confirm.text).toContain('Delete the file “slides.pdf”?');
    expect(confirm.text).toContain(`action="/admin/files/${f1.id}/delete"`);
    expect((await admin.post(`/admin/files/${f1.id}/delete`).type('form').send({})).status).toBe(403);
    const delFile = await formPost(admin, `/admin/files/${f1.id}/delete`, `/admin/files/${f1.id}/delete`, {});
    expect(delFile.status).toBe(303);
    expect(delFile.headers.location).toBe(`/admin/lessons/${keep.id}?notice=file_deleted#files`);
    expect(await t.db.manager.countBy(StoredFile, { id: f1.id })).toBe(0);
    expect(fs.existsSync(blob(f1))).toBe(false);
    expect((await admin.get(delFile.headers.location).expect(200)).text).toContain('The file has been deleted.');
    expect((await formPost(admin, `/admin/lessons/${keep.id}`, `/admin/files/${f1.id}/delete`, {})).status).toBe(404);
    await admin.get(`/admin/files/${f1.id}/delete`).expect(404);

    // a lesson takes its files with it
    const lessonPage = await admin.get(`/admin/lessons/${doomed.id}`).expect(200);
    expect(lessonPage.text).toContain(`href="/admin/lessons/${doomed.id}/delete"`);
    expect(lessonPage.text).toContain(`href="/admin/files/${f2.id}/delete"`);
    const confirmLesson = await admin.get(`/admin/lessons/${doomed.id}/delete`).expect(200);
    expect(confirmLesson.text).toContain('with its files (2)');
    const delLesson = await formPost(admin, `/admin/lessons/${doomed.id}/delete`, `/admin/lessons/${doomed.id}/delete`, {});
    expect(delLesson.headers.location).toBe(`${page}?notice=lesson_deleted#lessons`);
    expect(await t.db.manager.countBy(Lesson, { id: doomed.id })).toBe(0);
    expect(await t.db.manager.countBy(StoredFile, { lessonId: doomed.id })).toBe(0);
    expect(await t.db.manager.countBy(StoredFile, { id: f2.id })).toBe(0);
    expect([fs.existsSync(blob(f2)), fs.existsSync(blob(f3))]).toEqual([false, false]);
    await admin.get(`/admin/lessons/${doomed.id}`).expect(404);

    // a section: its lessons stay, outside any section
    const confirmSection = await admin.get(`${page}/sections/${section.id}/delete`).expect(200);
    expect(confirmSection.text).toContain('Its lessons (1) stay');
    const other = await createProduct(t);
    expect((await formPost(admin, page, `/admin/products/${other.id}/sections/${section.id}/delete`, {})).status).toBe(404);
    const delSection = await formPost(admin, page, `${page}/sections/${section.id}/delete`, {});
    expect(delSection.status).toBe(303);
    expect(await t.db.manager.countBy(Section, { id: section.id })).toBe(0);
    expect((await t.db.manager.findOneByOrFail(Lesson, { id: keep.id })).sectionId).toBeNull();

    const actions = (await t.db.manager.findBy(AuditEntry, { subjectType: 'product', subjectId: String(p.id) })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['file.delete', 'lesson.delete', 'section.delete']));
    const lessonAudit = await t.db.manager.findOneByOrFail(AuditEntry, { action: 'lesson.delete', subjectId: String(p.id) });
    expect(JSON.parse(lessonAudit.summary).before.files.map((x: { name: string }) => x.name)).toEqual(['a.bin', 'b.bin']);

    // only staff
    const client = await createUser(t);
    const c = await loginAgent(t, client.email, client.password);
    expect((await c.get(`/admin/lessons/${keep.id}/delete`)).status).toBe(403);
    expect((await formPost(c, '/account', `/admin/lessons/${keep.id}/delete`, {})).status).toBe(403);
    expect(await t.db.manager.countBy(Lesson, { id: keep.id })).toBe(1);
  });

  it('JSON API: create (201), list, update, validation naming every field, 404, OpenAPI', async () => {
    const { key } = await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'members test');
    const api = (r: request.Test) => r.set('Authorization', `Bearer ${key}`);
    const created = await api(request(t.http).post('/api/admin/products')).send({ slug: 'api-course', title: 'API course', status: 'published' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      slug: 'api-course',
      title: 'API course',
      description: null,
      priceLabel: '',
      status: 'published',
      endGrantOnRefund: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const bad = await api(request(t.http).post('/api/admin/products')).send({ slug: 'Not OK', status: 'live' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['slug', 'status', 'title']);
    const dup = await api(request(t.http).post('/api/admin/products')).send({ slug: 'api-course', title: 'x' });
    expect(dup.status).toBe(409);

    const list = await api(request(t.http).get('/api/admin/products?limit=1&offset=0')).expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.total).toBeGreaterThanOrEqual(1);
    expect(list.body.items[0].slug).toBe('api-course');
    await api(request(t.http).get('/api/admin/products?limit=0')).expect(400);

    const upd = await api(request(t.http).patch(`/api/admin/products/${created.body.id}`)).send({ title: 'Renamed', endGrantOnRefund: false });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ id: created.body.id, slug: 'api-course', title: 'Renamed', status: 'published', endGrantOnRefund: false });
    const badUpd = await api(request(t.http).patch(`/api/admin/products/${created.body.id}`)).send({ title: '' });
    expect(badUpd.status).toBe(400);
    expect(badUpd.body.error.details.fields.title).toBeDefined();
    await api(request(t.http).patch('/api/admin/products/999999')).send({ title: 'x' }).expect(404);
    await api(request(t.http).get('/api/admin/products/999999')).expect(404);
    await request(t.http).get('/api/admin/products').expect(401);

    const doc = await request(t.http).get('/api/docs-json').expect(200);
    expect(doc.body.paths['/api/admin/products'].get).toBeDefined();
    expect(doc.body.paths['/api/admin/products'].post).toBeDefined();
    expect(doc.body.paths['/api/admin/products/{id}'].patch).toBeDefined();
    expect(doc.body.components.schemas.ProductResponse.properties.slug).toBeDefined();
  });
});
