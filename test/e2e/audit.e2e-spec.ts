import { AuditService, SUBJECT_TYPES } from '../../src/audit/audit.service';
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
        await audit.record(m, actor, { action: 'grant.lost' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow();

    const owner = await createUser(t, { role: 'owner' });
    const a = await loginAgent(t, owner.email, owner.password);
    const all = await a.get('/admin/audit').expect(200);
    expect(all.text).toContain('grant.revoke');
    expect(all.text).toContain('grant.extend');
    expect(all.text).not.toContain('grant.lost');
    expect(all.text).toContain('203.0.113.7');

    const byAction = await a.get('/admin/audit?action=grant.revoke').expect(200);
    expect(byAction.text).toContain('client #7');
    expect(byAction.text).not.toContain('client #8');
    const bySubject = await a.get('/admin/audit?subjectType=client&subjectId=8').expect(200);
    expect(bySubject.text).toContain('client #8');
    expect(bySubject.text).not.toContain('client #7');
    // the object type is chosen from the known types, each with its label, the current one selected
    expect(bySubject.text).toMatch(/<select name="subjectType">/);
    for (const type of SUBJECT_TYPES) expect(bySubject.text).toContain(`<option value="${type}"`);
    expect(bySubject.text).toContain('<option value="client" selected>Client</option>');
    expect(bySubject.text).toMatch(/<option value="mailing_list"\s*>Mailing list<\/option>/);
    expect((await a.get('/admin/audit?subjectType=client').set('Accept-Language', 'ru').expect(200)).text).toContain('>Клиент</option>');
    const byActor = await a.get('/admin/audit?actor=robot').expect(200);
    expect(byActor.text).toContain('client #7');
    const today = new Date().toISOString().slice(0, 10);
    expect((await a.get(`/admin/audit?from=${today}&to=${today}&action=grant.extend`)).text).toContain('client #8');
    expect((await a.get('/admin/audit?to=2000-01-01&action=grant.extend')).text).not.toContain('client #8');
    // bad paging input is a 400 with a message, not a 500
    expect((await a.get('/admin/audit?limit=abc')).status).toBe(400);
  });

  it('logs logins', async () => {
    const u = await createUser(t);
    await loginAgent(t, u.email, u.password);
    const res = await t.app.get(AuditService).search({ action: 'auth.login', subjectId: String(u.id), limit: 10, offset: 0 });
    expect(res.items).toHaveLength(1);
    expect(res.items[0].actor).toBe(u.email);
  });
});
