import request from 'supertest';
import { ApiKey } from '../../src/auth/api-keys/entities/api-key.entity';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { createUser } from '../factories/users';
import { csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

describe('admin JSON API and API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('refuses requests without a key or with a bad one, with the shared error body', async () => {
    const none = await request(t.http).get('/api/admin/me');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: { code: expect.any(String), message: expect.any(String), details: expect.any(Object) } });
    const bad = await request(t.http).get('/api/admin/me').set('Authorization', 'Bearer kb_not-a-real-key');
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe('auth.bad_api_key');
    // a logged-in browser session is not an API credential
    const owner = await createUser(t, { role: 'owner' });
    const agent = await loginAgent(t, owner.email, owner.password);
    expect((await agent.get('/api/admin/me')).status).toBe(401);
  });

  it('creates a key in the admin panel, shows it once, authenticates with it, and revokes it', async () => {
    const admin = await createUser(t, { role: 'admin' });
    const a = await loginAgent(t, admin.email, admin.password);
    const page = await a.get('/admin/api-keys').expect(200);
    const empty = await a.post('/admin/api-keys').type('form').send({ name: '', _csrf: csrfFrom(page.text) });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Give it a name');

    const created = await a.post('/admin/api-keys').type('form').send({ name: 'Zapier', _csrf: csrfFrom(page.text) });
    expect(created.status).toBe(201);
    const key = /data-test="new-api-key">([^<]+)</.exec(created.text)![1];
    expect(key).toMatch(/^kb_[\w-]{43}$/);
    const stored = await t.db.manager.findOneByOrFail(ApiKey, { name: 'Zapier' });
    expect(stored.keyHash).not.toContain(key);
    expect((await a.get('/admin/api-keys')).text).not.toContain(key);

    const me = await request(t.http).get('/api/admin/me').set('Authorization', `Bearer ${key}`).expect(200);
    expect(me.body).toEqual({ type: 'apiKey', id: stored.id, name: 'Zapier', prefix: key.slice(0, 10), createdAt: expect.any(String) });

    const list = await a.get('/admin/api-keys');
    const revoke = await a.post(`/admin/api-keys/${stored.id}/revoke`).type('form').send({ _csrf: csrfFrom(list.text) });
    expect(revoke.status).toBe(303);
    await request(t.http).get('/api/admin/me').set('Authorization', `Bearer ${key}`).expect(401);
    const actions = (await t.db.manager.findBy(AuditEntry, { subjectType: 'api_key', subjectId: String(stored.id) })).map((e) => e.action).sort();
    expect(actions).toEqual(['api_key.create', 'api_key.revoke']);
  });

  it('staff can see keys but not create them', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const s = await loginAgent(t, staff.email, staff.password);
    const page = await s.get('/admin/api-keys').expect(200);
    expect(page.text).not.toContain('action="/admin/api-keys"');
    const res = await s.post('/admin/api-keys').type('form').send({ name: 'nope', _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(403);
  });

  it('the service used by `npm run cli -- api-key:create` makes a working key', async () => {
    const { key } = await t.app.get(ApiKeysService).create({ userId: null, label: 'cli', ip: '' }, 'cli key');
    await request(t.http).get('/api/admin/me').set('Authorization', `Bearer ${key}`).expect(200);
  });

  it('publishes the OpenAPI document and a local viewer', async () => {
    const doc = await request(t.http).get('/api/docs-json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.paths['/api/admin/me'].get).toBeDefined();
    expect(Object.keys(doc.body.paths).every((p: string) => p.startsWith('/api/'))).toBe(true);
    expect(doc.body.components.securitySchemes.bearer).toBeDefined();
    const viewer = await request(t.http).get('/api/docs/').expect(200);
    expect(viewer.text).toContain('swagger');
    expect(viewer.text).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)/);
  });

  it('gives every operation of the OpenAPI document a summary', async () => {
    const doc = await request(t.http).get('/api/docs-json').expect(200);
    const operations = Object.entries(doc.body.paths as Record<string, Record<string, { summary?: string }>>).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ op: `${method.toUpperCase()} ${path}`, summary: op.summary })),
    );
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.filter((o) => !o.summary?.trim()).map((o) => o.op)).toEqual([]);
  });

  it('answers malformed JSON with a 400 JSON error, not a 500', async () => {
    const { key } = await t.app.get(ApiKeysService).create({ userId: null, label: 'cli', ip: '' }, 'json key');
    const res = await request(t.http).post('/api/admin/me').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send('{"broken": ');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
  });
});
