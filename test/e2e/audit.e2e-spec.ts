import { AuditService, SUBJECT_TYPES } from '../../src/audit/audit.service';
import { createProduct } from '../factories/members';
import { createUser } from '../factories/users';
import { loginAgent, startTestApp, TestApp } from '../utils/test-app';

describe('audit log', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('records with the caller transaction and filters by action, actor, subject and date', async () => {
    const audit = t.app.get(AuditService);
    const actor = { userId: null, label: 'Robot@Example.com', ip: '203.0.113.7' };
    await t.db.transaction((m) => audit.record(m, actor, { action: 'grant.revoke', subjectType: 'client', subjectId: 7, before: { active: true }, after: { active: false } }));
    await t.db.transaction((m) => audit.record(m, actor, { action: 'grant.extend', subjectType: 'client', subjectId: 8 }));
    await expect(
      t.db.transaction(async (m) => {
        await audit.record(m, actor, { action: 'grant.revoke', subjectType: 'client', subjectId: 9 });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow();

    const owner = await createUser(t, { role: 'owner' });
    const a = await loginAgent(t, owner.email, owner.password);
    const all = await a.get('/admin/audit').expect(200);
    expect(all.text).toContain('data-action="grant.revoke"');
    expect(all.text).toContain('data-action="grant.extend"');
    expect(all.text).not.toContain('#9');
    expect(all.text).toContain('203.0.113.7');

    const byAction = await a.get('/admin/audit?action=grant.revoke').expect(200);
    expect(byAction.text).toContain('#7');
    expect(byAction.text).not.toContain('#8');
    const bySubject = await a.get('/admin/audit?subjectType=client&subjectId=8').expect(200);
    expect(bySubject.text).toContain('#8');
    expect(bySubject.text).not.toContain('#7');
    // the object type is chosen from the known types, each with its label, the current one selected
    expect(bySubject.text).toMatch(/<select name="subjectType">/);
    for (const type of SUBJECT_TYPES) expect(bySubject.text).toContain(`<option value="${type}"`);
    expect(bySubject.text).toContain('<option value="client" selected>Client</option>');
    expect(bySubject.text).toMatch(/<option value="mailing_list"\s*>Mailing list<\/option>/);
    expect((await a.get('/admin/audit?subjectType=client').set('Accept-Language', 'ru').expect(200)).text).toContain('>Клиент</option>');
    const byActor = await a.get('/admin/audit?actor=robot').expect(200);
    expect(byActor.text).toContain('#7');
    const today = new Date().toISOString().slice(0, 10);
    expect((await a.get(`/admin/audit?from=${today}&to=${today}&action=grant.extend`)).text).toContain('#8');
    expect((await a.get('/admin/audit?to=2000-01-01&action=grant.extend')).text).not.toContain('#8');
    // bad paging input is a 400 with a message, not a 500
    expect((await a.get('/admin/audit?limit=abc')).status).toBe(400);
  });

  it('reads as sentences: the actor, the action, the objects linked to their pages, details as a list', async () => {
    const audit = t.app.get(AuditService);
    const owner = await createUser(t, { role: 'owner', name: 'Anna Petrova' });
    const client = await createUser(t, { email: `ann-${Date.now()}@example.com` });
    const product = await createProduct(t, { title: 'Course <A>' });
    const actor = { userId: owner.id, label: owner.email, ip: '' };
    const endsAt = new Date('2031-03-31T20:59:59.999Z');
    await t.db.transaction((m) =>
      audit.record(m, actor, { action: 'grant.create', subjectType: 'client', subjectId: client.id, after: { grantId: 1, productId: product.id, endsAt, source: 'manual' } }),
    );
    const a = await loginAgent(t, owner.email, owner.password);
    const en = sentences((await a.get(`/admin/audit?action=grant.create&subjectId=${client.id}`).expect(200)).text);
    expect(en[0].text).toBe(`Anna Petrova gave the client ${client.email} access to “Course <A>”`);
    expect(en[0].html).toContain(`<a href="/admin/users/${owner.id}">Anna Petrova</a>`);
    expect(en[0].html).toContain(`<a href="/admin/clients/${client.id}">${client.email}</a>`);
    expect(en[0].html).toContain(`<a href="/admin/products/${product.id}">Course &lt;A&gt;</a>`);
    const page = (await a.get(`/admin/audit?action=grant.create&subjectId=${client.id}`).set('Accept-Language', 'ru').expect(200)).text;
    expect(sentences(page)[0].text).toBe(`Anna Petrova: клиенту ${client.email} выдан доступ к «Course <A>»`);
    // details: field names translated, code values as words, dates formatted, no raw JSON outside "technical details"
    expect(page).toMatch(/<dt>Доступ до<\/dt>\s*<dd>31 мар\. 2031 г\., 20:59/);
    expect(page).toMatch(/<dt>Источник<\/dt>\s*<dd>вручную<\/dd>/);
    expect(page.split('<details')[0]).not.toContain('"productId"');

    // a deleted object is plain text; an action this version does not know reads as its code, never a 500
    await t.db.transaction((m) => audit.record(m, actor, { action: 'no.such_action' as never, subjectType: 'product', subjectId: 987654 }));
    const unknown = sentences((await a.get('/admin/audit?action=no.such_action').expect(200)).text);
    expect(unknown[0].text).toBe('Anna Petrova: no.such_action #987654');
    expect(unknown[0].html).not.toContain('<a href="/admin/products/987654"');
  });

  it('logs logins', async () => {
    const u = await createUser(t);
    await loginAgent(t, u.email, u.password);
    const res = await t.app.get(AuditService).search({ action: 'auth.login', subjectId: String(u.id), limit: 10, offset: 0 });
    expect(res.items).toHaveLength(1);
    expect(res.items[0].sentence.map((p) => p.text).join('')).toBe(`${u.name} logged in`);
  });
});

/** The sentences of an audit page, as HTML and as the text a person reads. */
function sentences(html: string): { html: string; text: string }[] {
  return [...html.matchAll(/<p class="audit-sentence"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => ({
    html: m[1],
    text: m[1].replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'),
  }));
}
