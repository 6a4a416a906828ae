import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AuditService } from '../../src/audit/audit.service';
import { AppError } from '../../src/common/errors/app-error';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { User } from '../../src/users/entities/user.entity';
import { createLesson, createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { loginAgent, startTestApp, TestApp } from '../utils/test-app';

// The same rules one tier down (services on the real database, no HTTP) are in test/medium/unit-of-work.medium-spec.ts.

/** The page's CSRF token, or none (the post is then refused, and the test says why). */
const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** A promise for `p`, or undefined after `ms`: lets a request that may have to wait its turn get that far. */
const settledWithin = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

/**
 * The next audit entry of `action` — written inside its unit of work, after the change it records — is written,
 * then holds until `release()` and fails (409), so that request's unit of work rolls back.
 */
function holdAtAudit(t: TestApp, action: string) {
  const audit = t.app.get(AuditService);
  const record = audit.record.bind(audit);
  let release!: () => void;
  let reached!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const inside = new Promise<void>((r) => (reached = r));
  const spy = jest.spyOn(audit, 'record').mockImplementation(async (m, actor, rec) => {
    await record(m, actor, rec);
    if (rec.action !== action) return;
    spy.mockRestore();
    reached();
    await held;
    throw new AppError('conflict', 'test.rolled_back', 'rolled back by the test');
  });
  return { inside, release };
}

/**
 * Two requests interleaved through HTTP: A opens a unit of work, writes and holds it open; B reads and writes;
 * A rolls back. B must answer from committed data, and its write must survive A's rollback.
 */
describe('database: units of work through HTTP, interleaved', () => {
  let t: TestApp;
  let key: string;
  const api = (method: 'get' | 'post', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${key}`);

  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'isolation')).key;
    await api('get', '/api/admin/products').expect(200); // the key's first use is recorded now, not during a test
  });
  afterAll(() => t.close());

  it('a lesson read while an admin revoke of its grant is uncommitted answers from the committed grant; after the rollback the grant is intact and the reader’s own write survived', async () => {
    const product = await createProduct(t);
    const lesson = await createLesson(t, product.id, { bodyMd: 'Racing **revokes**' });
    const client = await createUser(t, { locale: 'en' });
    const grant = await grantAccess(t, client.id, product.id);
    const reader = await loginAgent(t, client.email, client.password);

    const a = holdAtAudit(t, 'grant.revoke');
    const revoke = api('post', `/api/admin/clients/${client.id}/grants/${grant.id}/revoke`).send({ reason: 'racing' }).then((r) => r);
    await a.inside; // A has revoked the grant in its transaction, and holds it open

    const page = await reader.get(`/account/lessons/${lesson.id}`);
    const locale = reader.post('/locale').type('form').send({ locale: 'ru', back: '/account', _csrf: csrf(page.text) }).then((r) => r);
    await settledWithin(locale, 200); // on SQLite it waits for A's turn to end
    a.release();

    expect(page.status).toBe(200);
    expect(page.text).toContain('Racing <strong>revokes</strong>');
    expect((await revoke).status).toBe(409);
    expect((await locale).status).toBe(303);
    expect(await t.db.manager.findOneByOrFail(Grant, { id: grant.id })).toMatchObject({ revokedAt: null, reason: null });
    expect((await t.db.manager.findOneByOrFail(User, { id: client.id })).locale).toBe('ru');
    await reader.get(`/account/lessons/${lesson.id}`).expect(200);
  });

  it('a listing while another request’s create is uncommitted does not show it; a create made meanwhile survives its rollback', async () => {
    const a = holdAtAudit(t, 'product.create');
    const doomed = api('post', '/api/admin/products').send({ slug: 'doomed-course', title: 'Doomed' }).then((r) => r);
    await a.inside;

    const list = await api('get', '/api/admin/products?limit=100');
    const kept = api('post', '/api/admin/products').send({ slug: 'kept-course', title: 'Kept' }).then((r) => r);
    await settledWithin(kept, 200);
    a.release();

    expect(list.status).toBe(200);
    expect(list.body.items.map((p: { slug: string }) => p.slug)).not.toContain('doomed-course');
    expect((await doomed).status).toBe(409);
    expect((await kept).status).toBe(201);
    const slugs = (await api('get', '/api/admin/products?limit=100').expect(200)).body.items.map((p: { slug: string }) => p.slug);
    expect(slugs).toContain('kept-course');
    expect(slugs).not.toContain('doomed-course');
  });
});
