import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { ConsentEvent } from '../../src/mailing/subscribers/entities/consent-event.entity';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { createList, createSubscriber } from '../factories/mailing';
import { lastMailTo } from '../utils/outbox';
import { startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');

describe('mailing JSON API: lists and subscribers', () => {
  let t: TestApp;
  let key: string;
  const api = (method: 'get' | 'post' | 'patch', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${key}`);

  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'crm')).key;
  });
  afterAll(() => t.close());

  it('needs an API key', async () => {
    expect((await request(t.http).get('/api/admin/lists')).status).toBe(401);
    expect((await request(t.http).post('/api/admin/lists').send({ name: 'x' })).status).toBe(401);
    expect((await request(t.http).get('/api/admin/subscribers?email=a@example.com')).status).toBe(401);
  });

  it('creates (201), lists, gets and updates lists; archives through PATCH; refuses bad fields naming each', async () => {
    const name = `Api list ${tag()}`;
    const created = await api('post', '/api/admin/lists').send({ name, optIn: 'single', public: true });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      name,
      description: null,
      optIn: 'single',
      public: true,
      archived: false,
      createdAt: expect.any(String),
      counts: { unconfirmed: 0, confirmed: 0, unsubscribed: 0 },
    });
    const id = created.body.id;
    expect((await t.db.manager.findOneByOrFail(AuditEntry, { action: 'mailing_list.create', subjectId: String(id) })).actorLabel).toBe('api-key:crm');

    const defaults = await api('post', '/api/admin/lists').send({ name: `Defaults ${tag()}` });
    expect(defaults.body).toMatchObject({ optIn: 'double', public: false });

    const bad = await api('post', '/api/admin/lists').send({ name: '', optIn: 'triple', public: 'yes' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['name', 'optIn', 'public']);

    await createSubscriber(t, { lists: [id] });
    const got = await api('get', `/api/admin/lists/${id}`).expect(200);
    expect(got.body.counts).toEqual({ unconfirmed: 0, confirmed: 1, unsubscribed: 0 });
    expect((await api('get', '/api/admin/lists/999999')).status).toBe(404);

    const all = await api('get', '/api/admin/lists?limit=200').expect(200);
    expect(all.body.items.map((l: { id: number }) => l.id)).toEqual(expect.arrayContaining([id, defaults.body.id]));
    expect(all.body.total).toBe(all.body.items.length);

    const patched = await api('patch', `/api/admin/lists/${id}`).send({ description: 'About things', optIn: 'double', archived: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id, name, description: 'About things', optIn: 'double', public: true, archived: true });
    const back = await api('patch', `/api/admin/lists/${id}`).send({ archived: false });
    expect(back.body.archived).toBe(false);
    expect((await api('patch', `/api/admin/lists/${id}`).send({ optIn: 'maybe' })).status).toBe(400);
  });

  it('adds one subscriber or many, answering each outcome; suppression and unsubscribes win over the API', async () => {
    const list = await createList(t, { optIn: 'double' });
    const k = tag();
    const one = await api('post', `/api/admin/lists/${list.id}/subscribers`).send({ email: `One-${k}@Example.com`, name: 'One' });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ email: `one-${k}@example.com`, subscriberId: expect.any(Number), created: true, outcome: 'subscribed' });
    const ev = await t.db.manager.findOneByOrFail(ConsentEvent, { subscriberId: one.body.subscriberId });
    expect(ev).toMatchObject({ action: 'subscribed', source: 'api', listId: list.id });

    const left = await createSubscriber(t, { email: `left-${k}@example.com`, lists: [{ listId: list.id, status: 'unsubscribed' }] });
    const banned = await createSubscriber(t, { email: `banned-${k}@example.com`, suppressed: 'banned' });
    const many = await api('post', `/api/admin/lists/${list.id}/subscribers`).send({
      subscribers: [
        { email: `one-${k}@example.com` },
        { email: left.email, source: 'purchase' },
        { email: banned.email, source: 'admin' },
        { email: 'nope' },
        { email: `form-${k}@example.com`, name: 'Via site', source: 'form', ip: '198.51.100.4', locale: 'ru' },
      ],
    });
    expect(many.status).toBe(200);
    expect(many.body.items).toEqual([
      { email: `one-${k}@example.com`, subscriberId: one.body.subscriberId, created: false, outcome: 'already' },
      { email: left.email, subscriberId: left.id, created: false, outcome: 'kept_unsubscribed' },
      { email: banned.email, subscriberId: banned.id, created: false, outcome: 'suppressed' },
      { email: 'nope', subscriberId: null, created: false, outcome: 'invalid', error: { email: 'Enter a valid email address.' } },
      { email: `form-${k}@example.com`, subscriberId: expect.any(Number), created: true, outcome: 'pending' },
    ]);
    // source form: the person filled in a form elsewhere, so a double opt-in list asks them by mail.
    const mail = await lastMailTo(t, `form-${k}@example.com`);
    expect(mail.template).toBe('mailing-confirm');
    expect(mail.locale).toBe('ru');
    const pending = await t.db.manager.findOneByOrFail(ConsentEvent, { subscriberId: many.body.items[4].subscriberId });
    expect(pending).toMatchObject({ action: 'pending', source: 'form', ip: '198.51.100.4' });

    const badSource = await api('post', `/api/admin/lists/${list.id}/subscribers`).send({ email: `x-${k}@example.com`, source: 'one-click' });
    expect(badSource.status).toBe(400);
    expect(Object.keys(badSource.body.error.details.fields)).toEqual(['source']);
    expect((await api('post', `/api/admin/lists/${list.id}/subscribers`).send({})).status).toBe(400);
    expect((await api('post', `/api/admin/lists/${list.id}/subscribers`).send({ subscribers: [{ email: 'a@example.com', source: 'bounce' }] })).status).toBe(400);
    expect((await api('post', '/api/admin/lists/999999/subscribers').send({ email: `x-${k}@example.com` })).status).toBe(404);
    const archived = await createList(t, { archived: true });
    const conflict = await api('post', `/api/admin/lists/${archived.id}/subscribers`).send({ email: `x-${k}@example.com` });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('mailing.list_archived');
    expect(await t.db.manager.countBy(Subscriber, { email: `x-${k}@example.com` })).toBe(0);
  });

  it('finds subscribers by exact email, with their lists and suppression', async () => {
    const a = await createList(t);
    const b = await createList(t);
    const k = tag();
    const s = await createSubscriber(t, { email: `find-${k}@example.com`, name: 'Find', lists: [a.id, { listId: b.id, status: 'unsubscribed' }] });
    await createSubscriber(t, { email: `find-${k}@example.com.other`, lists: [a.id] });
    const res = await api('get', `/api/admin/subscribers?email=FIND-${k}@example.com`).expect(200);
    expect(res.body).toEqual({
      items: [
        {
          id: s.id,
          email: s.email,
          name: 'Find',
          locale: null,
          lists: [
            { listId: a.id, status: 'confirmed' },
            { listId: b.id, status: 'unsubscribed' },
          ].sort((x, y) => x.listId - y.listId),
          suppressed: false,
          createdAt: expect.any(String),
        },
      ],
      total: 1,
    });
    const sup = await createSubscriber(t, { email: `sup-${k}@example.com`, suppressed: 'bounced' });
    expect((await api('get', `/api/admin/subscribers?email=${sup.email}`)).body.items[0].suppressed).toBe('bounced');
    expect((await api('get', `/api/admin/subscribers?email=nobody-${k}@example.com`)).body).toEqual({ items: [], total: 0 });
    const byList = await api('get', `/api/admin/subscribers?listId=${b.id}&status=unsubscribed`).expect(200);
    expect(byList.body.items.map((x: { id: number }) => x.id)).toEqual([s.id]);
    expect((await api('get', `/api/admin/subscribers/${s.id}`)).body.email).toBe(s.email);
    expect((await api('get', '/api/admin/subscribers/999999')).status).toBe(404);
  });

  it('describes the endpoints in the OpenAPI document', async () => {
    const doc = (await request(t.http).get('/api/docs-json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/admin/lists', '/api/admin/lists/{id}', '/api/admin/lists/{id}/subscribers', '/api/admin/subscribers', '/api/admin/subscribers/{id}']),
    );
    expect(Object.keys(doc.paths['/api/admin/lists/{id}'])).toEqual(expect.arrayContaining(['get', 'patch']));
    expect(doc.paths['/api/admin/lists'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.components.schemas.SubscriberResponse.properties.suppressed.oneOf).toBeDefined();
    expect(doc.components.schemas.AddSubscribersDto.properties.source.enum).toEqual(['api', 'form', 'import', 'purchase', 'admin']);
  });
});
