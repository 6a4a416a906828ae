import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { GrantEvent } from '../../src/members/access/entities/grant-event.entity';
import { User } from '../../src/users/entities/user.entity';
import { createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { startTestApp, TestApp } from '../utils/test-app';

const DAY = 86400_000;

describe('clients JSON API', () => {
  let t: TestApp;
  let key: string;
  const api = (method: 'get' | 'post', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${key}`);

  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'crm')).key;
  });
  afterAll(() => t.close());

  it('needs an API key', async () => {
    expect((await request(t.http).get('/api/admin/clients')).status).toBe(401);
    expect((await request(t.http).post('/api/admin/clients').send({ email: 'x@example.com' })).status).toBe(401);
  });

  it('creates a client (201), refuses duplicates (409) and bad fields (400 naming each)', async () => {
    const res = await api('post', '/api/admin/clients').send({ email: 'Api.Client@Example.com', name: 'Api Client' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(Number), email: 'api.client@example.com', name: 'Api Client', createdAt: expect.any(String), labels: [] });
    const stored = await t.db.manager.findOneByOrFail(User, { id: res.body.id });
    expect(stored.role).toBe('client');
    expect(stored.passwordHash).toBeNull();
    const audit = await t.db.manager.findOneByOrFail(AuditEntry, { action: 'client.create', subjectId: String(res.body.id) });
    expect(audit.actorLabel).toBe('api-key:crm');

    const dup = await api('post', '/api/admin/clients').send({ email: 'api.client@example.com' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('users.email_taken');

    const bad = await api('post', '/api/admin/clients').send({ email: 'nope', name: 42 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['email', 'name']);
    const empty = await api('post', '/api/admin/clients').send({});
    expect(empty.status).toBe(400);
    expect(empty.body.error.details.fields.email).toBeDefined();
  });

  it('lists clients with ?email= (exact, case-insensitive) and paging, and gets one', async () => {
    const a = await createUser(t, { email: 'find.me@example.com', name: 'Find Me' });
    await createUser(t, { email: 'find.me.not@example.com' });
    await createUser(t, { role: 'staff', email: 'staff.find.me@example.com' });
    const found = await api('get', '/api/admin/clients?email=FIND.ME@example.com').expect(200);
    expect(found.body).toEqual({ items: [{ id: a.id, email: a.email, name: 'Find Me', createdAt: expect.any(String), labels: [] }], total: 1 });
    expect((await api('get', '/api/admin/clients?email=staff.find.me@example.com')).body).toEqual({ items: [], total: 0 });

    const all = await api('get', '/api/admin/clients?limit=1&offset=1').expect(200);
    expect(all.body.items).toHaveLength(1);
    expect(all.body.total).toBeGreaterThanOrEqual(3);
    const badPage = await api('get', '/api/admin/clients?limit=500');
    expect(badPage.status).toBe(400);
    expect(badPage.body.error.details.fields.limit).toBeDefined();

    const one = await api('get', `/api/admin/clients/${a.id}`).expect(200);
    expect(one.body.email).toBe(a.email);
    expect(one.body).not.toHaveProperty('passwordHash');
    expect((await api('get', '/api/admin/clients/99999999')).status).toBe(404);
    const staff = await createUser(t, { role: 'admin' });
    const asStaff = await api('get', `/api/admin/clients/${staff.id}`);
    expect(asStaff.status).toBe(404);
    expect(asStaff.body.error.code).toBe('not_found');
  });

  it('lists, creates and revokes grants', async () => {
    const product = await createProduct(t);
    const client = await createUser(t);
    const other = await createUser(t);
    const old = await grantAccess(t, client.id, product.id, { startsAt: new Date(Date.now() - 10 * DAY), endsAt: new Date(Date.now() - DAY) });

    const forever = await api('post', `/api/admin/clients/${client.id}/grants`).send({ productId: product.id, endsAt: null, reason: 'api' });
    expect(forever.status).toBe(201);
    expect(forever.body).toEqual({
      id: expect.any(Number),
      productId: product.id,
      startsAt: expect.any(String),
      endsAt: null,
      active: true,
      source: 'manual',
      revokedAt: null,
    });
    const endsAt = new Date(Date.now() + 5 * DAY).toISOString();
    const dated = await api('post', `/api/admin/clients/${client.id}/grants`).send({ productId: product.id, endsAt }).expect(201);
    expect(dated.body.endsAt).toBe(endsAt);

    const list = await api('get', `/api/admin/clients/${client.id}/grants`).expect(200);
    expect(list.body.total).toBe(3);
    expect(list.body.items.map((g: { id: number; active: boolean }) => [g.id, g.active])).toEqual([
      [dated.body.id, true],
      [forever.body.id, true],
      [old.id, false],
    ]);
    expect((await api('get', `/api/admin/clients/${client.id}/grants?limit=1`)).body.items).toHaveLength(1);
    expect((await api('get', '/api/admin/clients/99999999/grants')).status).toBe(404);

    const bad = await api('post', `/api/admin/clients/${client.id}/grants`).send({ productId: 'x', endsAt: 'tomorrow' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['endsAt', 'productId']);
    const unknown = await api('post', `/api/admin/clients/${client.id}/grants`).send({ productId: 99999999 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.fields.productId).toBe('Choose an existing product.');
    const past = await api('post', `/api/admin/clients/${client.id}/grants`).send({ productId: product.id, endsAt: '2001-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error.details.fields.endsAt).toBeDefined();
    expect((await api('post', '/api/admin/clients/99999999/grants').send({ productId: product.id })).status).toBe(404);

    const revokeUrl = `/api/admin/clients/${client.id}/grants/${forever.body.id}/revoke`;
    const noReason = await api('post', revokeUrl).send({});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.details.fields.reason).toBeDefined();
    const blank = await api('post', revokeUrl).send({ reason: '  ' });
    expect(blank.status).toBe(400);
    expect(blank.body.error.details.fields.reason).toBe('Give a reason.');

    expect((await api('post', `/api/admin/clients/${other.id}/grants/${forever.body.id}/revoke`).send({ reason: 'x' })).status).toBe(404);
    expect((await api('post', `/api/admin/clients/${client.id}/grants/99999999/revoke`).send({ reason: 'x' })).status).toBe(404);

    const revoked = await api('post', revokeUrl).send({ reason: 'refund' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: forever.body.id, active: false, revokedAt: expect.any(String) });
    const events = await t.db.manager.find(GrantEvent, { where: { grantId: forever.body.id }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.kind, e.actorLabel, e.reason])).toEqual([
      ['created', 'api-key:crm', 'api'],
      ['revoked', 'api-key:crm', 'refund'],
    ]);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await request(t.http).get('/api/docs-json').expect(200);
    expect(doc.body.paths['/api/admin/clients'].get).toBeDefined();
    expect(doc.body.paths['/api/admin/clients'].post).toBeDefined();
    expect(doc.body.paths['/api/admin/clients/{id}'].get).toBeDefined();
    expect(doc.body.paths['/api/admin/clients/{id}/grants'].get).toBeDefined();
    expect(doc.body.paths['/api/admin/clients/{id}/grants'].post).toBeDefined();
    expect(doc.body.paths['/api/admin/clients/{id}/grants/{grantId}/revoke'].post).toBeDefined();
    expect(doc.body.components.schemas.GrantResponse.properties.active).toBeDefined();
    expect(doc.body.components.schemas.CreateClientDto.required).toEqual(['email']);
  });
});
