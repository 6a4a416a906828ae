import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { Lesson } from '../../src/members/catalogue/entities/lesson.entity';
import { StoredFile } from '../../src/members/catalogue/entities/stored-file.entity';
import { createFile, createLesson, createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/** The lesson editor: a preview that saves nothing, files with sizes people read, "delete lesson" on its own. */
describe('lesson editor', () => {
  let t: TestApp;
  let admin: Agent;
  beforeAll(async () => {
    t = await startTestApp({ env: { DEFAULT_LOCALE: 'en' } });
    const u = await createUser(t, { role: 'admin' });
    admin = await loginAgent(t, u.email, u.password);
  });
  afterAll(() => t.close());

  const hostile =
    'Hello **world**\n\n<script>alert("x")</script><img src="x" onerror="alert(1)">' +
    '<iframe src="https://evil.example/embed/1"></iframe><iframe src="https://www.youtube.com/embed/abc" title="ok"></iframe>\n\n[link](javascript:alert(1))';

  it('"Preview" saves nothing, keeps the unsaved text in the form and renders it as clients will see it, sanitised', async () => {
    const p = await createProduct(t);
    const lesson = await createLesson(t, p.id, { title: 'Saved title', bodyMd: 'Saved body' });
    const updatedAt = (await t.db.manager.findOneByOrFail(Lesson, { id: lesson.id })).updatedAt;
    const page = await admin.get(`/admin/lessons/${lesson.id}`).expect(200);
    // the preview button is a second submit of the same form, to its own route: works without JavaScript
    expect(page.text).toMatch(new RegExp(`<button type="submit" formaction="/admin/lessons/${lesson.id}/preview#preview"`));

    const res = await admin
      .post(`/admin/lessons/${lesson.id}/preview`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), title: 'Unsaved title', bodyMd: hostile, dripMode: 'none', position: '3' });
    expect(res.status).toBe(200);
    // the form keeps what was typed
    expect(res.text).toMatch(/id="f-title"[^>]*value="Unsaved title"/);
    expect(res.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'); // in the textarea, escaped
    // the preview is the saved lesson's renderer: markup kept, scripts, handlers, foreign embeds and js: links gone
    const preview = /<section id="preview"[\s\S]*?<\/section>/.exec(res.text)?.[0] ?? '';
    expect(preview).toContain('<strong>world</strong>');
    expect(preview).toContain('<iframe src="https://www.youtube.com/embed/abc"');
    expect(preview).toContain('Not saved');
    expect(res.text).not.toMatch(/<script>alert|<img src="x" onerror/); // nowhere on the page
    expect(preview).not.toContain('onerror');
    expect(preview).not.toContain('evil.example');
    expect(preview).not.toContain('javascript:');
    // nothing saved, nothing audited
    const after = await t.db.manager.findOneByOrFail(Lesson, { id: lesson.id });
    expect(after).toMatchObject({ title: 'Saved title', bodyMd: 'Saved body', position: 0 });
    expect(after.updatedAt.getTime()).toBe(updatedAt.getTime());
    expect(await t.db.manager.countBy(AuditEntry, { action: 'lesson.update' })).toBe(0);
    // the preview is byte for byte what a save stores and the client's lesson page prints
    const save = await formPost(admin, `/admin/lessons/${lesson.id}`, `/admin/lessons/${lesson.id}`, { title: 'Unsaved title', bodyMd: hostile, dripMode: 'none' });
    expect(save.status).toBe(303);
    const stored = (await t.db.manager.findOneByOrFail(Lesson, { id: lesson.id })).bodyHtml;
    expect(preview).toContain(`<article class="lesson-body">${stored}</article>`);
    const c = await createUser(t, { role: 'client' });
    await grantAccess(t, c.id, p.id);
    const client = await loginAgent(t, c.email, c.password);
    expect((await client.get(`/account/lessons/${lesson.id}`).expect(200)).text).toContain(stored);
  });

  it('previews a new lesson before it exists, and shows a too long body as a form error, not a 500', async () => {
    const p = await createProduct(t);
    const before = await t.db.manager.countBy(Lesson, { productId: p.id });
    const res = await formPost(admin, `/admin/products/${p.id}/lessons/new`, `/admin/products/${p.id}/lessons/preview`, { title: '', bodyMd: '# Heading\n\ntext' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1>Heading</h1>');
    expect(res.text).toContain(`action="/admin/products/${p.id}/lessons"`);
    expect(await t.db.manager.countBy(Lesson, { productId: p.id })).toBe(before);

    const long = await formPost(admin, `/admin/products/${p.id}/lessons/new`, `/admin/products/${p.id}/lessons/preview`, { title: 'x', bodyMd: 'a'.repeat(200_001) });
    expect(long.status).toBe(400);
    expect(long.text).not.toContain('id="preview"');
    // a preview is a form post like any other: without the page's token it is refused
    expect((await admin.post(`/admin/products/${p.id}/lessons/preview`).type('form').send({ bodyMd: 'x' })).status).toBe(403);
    await formPost(admin, `/admin/products/${p.id}/lessons/new`, '/admin/products/999999/lessons/preview', { bodyMd: 'x' }).then((r) => expect(r.status).toBe(404));
  });

  it('lists files with human sizes in the page language and the checksum folded away', async () => {
    const p = await createProduct(t);
    const lesson = await createLesson(t, p.id);
    const small = await createFile(t, lesson, { name: 'notes.pdf', bytes: Buffer.alloc(193, 1), contentType: 'application/pdf' });
    const big = await createFile(t, lesson, { name: 'video.mp4', bytes: Buffer.alloc(Math.round(1.2 * 1024 * 1024), 1), contentType: 'video/mp4' });
    const en = await admin.get(`/admin/lessons/${lesson.id}`).expect(200);
    expect(en.text).toMatch(new RegExp(`data-test="file-size-${small.id}">193\u00a0B · application/pdf<`));
    expect(en.text).toMatch(new RegExp(`data-test="file-size-${big.id}">1\\.2\u00a0MB · `));
    expect(en.text).toMatch(new RegExp(`<details class="file-checksum"><summary>Show checksum</summary><code class="small">SHA-256 ${small.sha256}</code></details>`));
    const r = await createUser(t, { role: 'admin', locale: 'ru' });
    const ru = await (await loginAgent(t, r.email, r.password)).get(`/admin/lessons/${lesson.id}`).expect(200);
    expect(ru.text).toMatch(new RegExp(`data-test="file-size-${small.id}">193\u00a0Б · `));
    expect(ru.text).toMatch(new RegExp(`data-test="file-size-${big.id}">1,2\u00a0МБ · `));
  });

  it('"delete lesson" is its own section below the files, and asks on a confirmation page before deleting', async () => {
    const p = await createProduct(t);
    const lesson = await createLesson(t, p.id, { title: 'To go' });
    const f = await createFile(t, lesson, { name: 'sheet.pdf' });
    const page = (await admin.get(`/admin/lessons/${lesson.id}`).expect(200)).text;
    const files = page.indexOf('id="files"');
    const zone = page.indexOf('data-test="danger-zone"');
    expect(files).toBeGreaterThan(0);
    expect(zone).toBeGreaterThan(page.indexOf('</ul>', files));
    const zoneHtml = page.slice(zone, page.indexOf('</section>', zone));
    expect(zoneHtml).toContain(`href="/admin/lessons/${lesson.id}/delete" class="button danger" data-confirm data-test="delete-lesson"`);
    expect(zoneHtml).toContain('files (1)');
    // the file list holds file deletes only
    const list = page.slice(files, zone);
    expect(list).not.toContain(`/admin/lessons/${lesson.id}/delete`);
    expect(list).toContain(`/admin/files/${f.id}/delete`);

    const confirm = await admin.get(`/admin/lessons/${lesson.id}/delete`).expect(200);
    expect(confirm.text).toContain('Delete the lesson “To go”?');
    expect(await t.db.manager.countBy(Lesson, { id: lesson.id })).toBe(1);
    const del = await formPost(admin, `/admin/lessons/${lesson.id}/delete`, `/admin/lessons/${lesson.id}/delete`, {});
    expect(del.status).toBe(303);
    expect(del.headers.location).toBe(`/admin/products/${p.id}?notice=lesson_deleted#lessons`);
    expect(await t.db.manager.countBy(Lesson, { id: lesson.id })).toBe(0);
    expect(await t.db.manager.countBy(StoredFile, { id: f.id })).toBe(0);
  });

  it('a .txt upload is served as text/plain; charset=utf-8, still as an attachment with nosniff', async () => {
    const p = await createProduct(t);
    const lesson = await createLesson(t, p.id);
    const csrf = csrfFrom((await admin.get(`/admin/lessons/${lesson.id}`).expect(200)).text);
    const text = Buffer.from('Конспект урока\n<script>alert(1)</script>\n');
    await admin.post(`/admin/lessons/${lesson.id}/files`).field('_csrf', csrf).attach('file', text, { filename: 'Конспект.txt', contentType: 'application/octet-stream' }).expect(303);
    // the same bytes under another name stay an unknown binary
    await admin.post(`/admin/lessons/${lesson.id}/files`).field('_csrf', csrf).attach('file', text, { filename: 'page.html', contentType: 'text/html' }).expect(303);
    const [txt, html] = await t.db.manager.find(StoredFile, { where: { lessonId: lesson.id }, order: { id: 'ASC' } });
    expect([txt.contentType, html.contentType]).toEqual(['text/plain; charset=utf-8', 'application/octet-stream']);

    const c = await createUser(t, { role: 'client' });
    await grantAccess(t, c.id, p.id);
    const client = await loginAgent(t, c.email, c.password);
    const res = await client.get(`/account/files/${txt.id}`).buffer(true).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[^"]+\.txt"; filename\*=UTF-8''%D0%9A/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.from(res.text ?? res.body).equals(text)).toBe(true);
  });
});
