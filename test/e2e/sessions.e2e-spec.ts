import request from 'supertest';
import { createUser } from '../factories/users';
import { lastMailTo, linkIn, outboxFor } from '../utils/outbox';
import { csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';
import { PasswordReset } from '../../src/auth/entities/password-reset.entity';
import { Session } from '../../src/auth/entities/session.entity';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';

function sid(res: request.Response): string {
  return /kb_sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1];
}

describe('sessions and passwords', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('stores only a hash of the session id', async () => {
    const u = await createUser(t);
    const agent = request.agent(t.http);
    const res = await formPost(agent, '/login', '/login', { email: u.email, password: u.password });
    const token = sid(res);
    const rows = await t.db.manager.findBy(Session, { userId: u.id });
    expect(rows).toHaveLength(1);
    expect(rows[0].tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].tokenHash).not.toContain(token);
  });

  it('"log out everywhere" rejects the old cookies on the very next request', async () => {
    const u = await createUser(t);
    const phone = await loginAgent(t, u.email, u.password);
    const laptop = await loginAgent(t, u.email, u.password);
    await phone.get('/account').expect(200);
    const page = await laptop.get('/account/security').expect(200);
    expect(page.text).toContain('Log out everywhere');
    const res = await laptop.post('/account/security/logout-everywhere').type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?notice=logged_out_everywhere');
    await phone.get('/account').expect(303).expect('Location', '/login?next=%2Faccount');
    await laptop.get('/account').expect(303);
    expect(await t.db.manager.countBy(Session, { userId: u.id })).toBe(0);
  });

  it('an admin ends all sessions of a client, and it is audited', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const client = await createUser(t);
    const c = await loginAgent(t, client.email, client.password);
    const a = await loginAgent(t, admin.email, admin.password);
    const page = await a.get(`/admin/users/${client.id}`).expect(200);
    expect(page.text).toContain(client.email);
    const res = await a.post(`/admin/users/${client.id}/end-sessions`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    await c.get('/account').expect(303);
    await a.get('/admin').expect(200);
    const audit = await t.db.manager.findOneByOrFail(AuditEntry, { action: 'auth.sessions_ended', subjectId: String(client.id) });
    expect(audit.actorLabel).toBe(admin.email);
  });

  it('staff cannot end the sessions of an admin', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const admin = await createUser(t, { role: 'admin' });
    const s = await loginAgent(t, staff.email, staff.password);
    const page = await s.get(`/admin/users/${admin.id}`).expect(200);
    const res = await s.post(`/admin/users/${admin.id}/end-sessions`).type('form').send({ _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(403);
    await s.get('/admin/users/999999').expect(404);
    await s.get('/admin/users/abc').expect(404);
  });

  it('changing the password keeps this session, ends the others and sends a notice', async () => {
    const u = await createUser(t, { locale: 'ru' });
    const other = await loginAgent(t, u.email, u.password);
    const me = await loginAgent(t, u.email, u.password);
    const page = await me.get('/account/security');
    const wrong = await me
      .post('/account/security/password')
      .type('form')
      .send({ current: 'not it at all', password: 'short', confirm: 'x', _csrf: csrfFrom(page.text) });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('Это не ваш текущий пароль');
    expect(wrong.text).toContain('Не менее 10 символов');
    expect(wrong.text).toContain('Где выполнен вход'); // the page is whole again, sessions list included

    const ok = await me
      .post('/account/security/password')
      .type('form')
      .send({ current: u.password, password: 'a brand new passphrase', confirm: 'a brand new passphrase', _csrf: csrfFrom(page.text) });
    expect(ok.status).toBe(303);
    await me.get('/account').expect(200);
    await other.get('/account').expect(303);
    const mail = await lastMailTo(t, u.email);
    expect(mail.template).toBe('password-changed');
    expect(mail.subject).toBe('Пароль изменён');
    expect(mail.mailClass).toBe('transactional');
    await loginAgent(t, u.email, 'a brand new passphrase');
  });

  it('password reset: same answer for unknown emails, single-use link, old sessions end', async () => {
    const u = await createUser(t);
    const old = await loginAgent(t, u.email, u.password);
    const anon = request.agent(t.http);

    const unknown = await formPost(anon, '/password/forgot', '/password/forgot', { email: 'nobody@example.com' });
    const known = await formPost(anon, '/password/forgot', '/password/forgot', { email: u.email.toUpperCase() });
    expect(unknown.status).toBe(200);
    expect(known.status).toBe(200);
    expect(unknown.text.replace(/value="[^"]+"/g, '')).toBe(known.text.replace(/value="[^"]+"/g, ''));
    expect(await outboxFor(t, 'nobody@example.com')).toHaveLength(0);

    const mail = await lastMailTo(t, u.email);
    expect(mail.template).toBe('password-reset');
    const path = linkIn(mail.text, '/password/reset/');
    expect(mail.html).toContain(path);
    const tokenRow = await t.db.manager.findOneByOrFail(PasswordReset, { userId: u.id });
    expect(path).not.toContain(tokenRow.tokenHash);

    const form = await anon.get(path).expect(200);
    const mismatch = await anon.post(path).type('form').send({ password: 'new password 123', confirm: 'other password 123', _csrf: csrfFrom(form.text) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The passwords do not match');

    const done = await anon.post(path).type('form').send({ password: 'new password 123', confirm: 'new password 123', _csrf: csrfFrom(form.text) });
    expect(done.status).toBe(303);
    // the new password logs in here, in a new session; every other session of the account has ended
    expect(done.headers.location).toBe('/account?notice=password_set');
    await anon.get('/account').expect(200);
    await old.get('/account').expect(303);
    await loginAgent(t, u.email, 'new password 123');

    const other = request.agent(t.http);
    const reused = await other.get(path);
    expect(reused.text).toContain('expired or has already been used');
    const again = await other.post(path).type('form').send({ password: 'another password 1', confirm: 'another password 1', _csrf: csrfFrom(reused.text) });
    expect(again.status).toBe(400);
    expect((await lastMailTo(t, u.email)).template).toBe('password-changed');
  });

  it('an expired reset link is refused', async () => {
    const u = await createUser(t);
    await formPost(request.agent(t.http), '/password/forgot', '/password/forgot', { email: u.email });
    const path = linkIn((await lastMailTo(t, u.email)).text, '/password/reset/');
    await t.db.write((m) => m.update(PasswordReset, { userId: u.id }, { expiresAt: new Date(Date.now() - 1000) }));
    const anon = request.agent(t.http);
    const page = await anon.get(path);
    expect(page.text).toContain('expired or has already been used');
    const res = await anon.post(path).type('form').send({ password: 'new password 123', confirm: 'new password 123', _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(400);
    await loginAgent(t, u.email, u.password);
  });
});
