import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { CampaignsService } from '../../src/mailing/campaigns/campaigns.service';
import { CampaignRecipient } from '../../src/mailing/campaigns/entities/campaign-recipient.entity';
import { Campaign } from '../../src/mailing/campaigns/entities/campaign.entity';
import { createList, createSubscriber } from '../factories/mailing';
import { createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { outboxFor } from '../utils/outbox';
import { startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');
const HOUR = 3600_000;

describe('campaigns: API, audience, sending states', () => {
  let t: TestApp;
  let key: string;
  const api = (method: 'get' | 'post', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${key}`);

  /** Two lists and a product; returns the ids and the number of distinct people who should get the mail. */
  async function audience() {
    const k = tag();
    const a = await createList(t, { name: `A ${k}` });
    const b = await createList(t, { name: `B ${k}` });
    const product = await createProduct(t);
    // On both lists: counted once.
    await createSubscriber(t, { email: `both-${k}@example.com`, lists: [a.id, b.id] });
    await createSubscriber(t, { email: `only-a-${k}@example.com`, lists: [a.id] });
    // Suppressed beats list membership; unsubscribed and unconfirmed do not count.
    await createSubscriber(t, { email: `suppressed-${k}@example.com`, lists: [a.id], suppressed: 'unsubscribed' });
    await createSubscriber(t, { email: `unsub-${k}@example.com`, lists: [{ listId: a.id, status: 'unsubscribed' }] });
    await createSubscriber(t, { email: `unconfirmed-${k}@example.com`, lists: [{ listId: b.id, status: 'unconfirmed' }] });
    // A client with access to the product; one of them is also on a list (once), one is not a subscriber at all.
    const client = await createUser(t, { email: `client-${k}@example.com` });
    await grantAccess(t, client.id, product.id);
    const listed = await createUser(t, { email: `only-a-${k}@example.com`.replace('only-a', 'listed') });
    await createSubscriber(t, { email: listed.email, lists: [b.id] });
    await grantAccess(t, listed.id, product.id);
    // Access that ended does not count.
    const former = await createUser(t, { email: `former-${k}@example.com` });
    await grantAccess(t, former.id, product.id, { startsAt: new Date(Date.now() - 48 * HOUR), endsAt: new Date(Date.now() - HOUR) });
    return { lists: [a.id, b.id], products: [product.id], expected: 4 };
  }

  async function createCampaign(body: Record<string, unknown>) {
    const res = await api('post', '/api/admin/campaigns').send({ subject: `News ${tag()}`, body: 'Hello **{{name}}**', ...body });
    expect(res.status).toBe(201);
    return res.body as { id: number; status: string };
  }

  beforeAll(async () => {
    t = await startTestApp();
    key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'crm')).key;
  });
  afterAll(() => t.close());

  it('is in the OpenAPI document, behind the API key', async () => {
    const doc = await request(t.http).get('/api/docs-json').expect(200);
    for (const path of ['/api/admin/campaigns', '/api/admin/campaigns/{id}', '/api/admin/campaigns/{id}/send', '/api/admin/campaigns/{id}/schedule', '/api/admin/campaigns/{id}/pause', '/api/admin/campaigns/{id}/resume', '/api/admin/campaigns/{id}/cancel']) {
      expect(doc.body.paths[path]).toBeDefined();
    }
    expect(doc.body.paths['/api/admin/campaigns'].post.security).toBeDefined();
    expect(doc.body.components.schemas.CampaignResponse.properties.stats).toBeDefined();
  });

  it('needs an API key', async () => {
    expect((await request(t.http).get('/api/admin/campaigns')).status).toBe(401);
    expect((await request(t.http).post('/api/admin/campaigns').send({})).status).toBe(401);
  });

  it('creates a draft (Markdown by default) with its audience, audited, and gets it with stats', async () => {
    const list = await createList(t);
    const product = await createProduct(t);
    const res = await api('post', '/api/admin/campaigns').send({ subject: 'Spring news', body: '# Hi {{name}}', lists: [list.id], products: [product.id], preheader: 'What is new' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number),
      subject: 'Spring news',
      preheader: 'What is new',
      bodyFormat: 'markdown',
      body: '# Hi {{name}}',
      status: 'draft',
      lists: [list.id],
      products: [product.id],
      scheduledAt: null,
      startedAt: null,
      finishedAt: null,
      recipients: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      stats: { recipients: 0, sent: 0, failed: 0, bounced: 0, unsubscribed: 0, pending: 0, sending: 0, skipped: 0, unknown: 0, progress: 0 },
    });
    const audit = await t.db.manager.findOneByOrFail(AuditEntry, { action: 'campaign.create', subjectId: String(res.body.id) });
    expect(audit.actorLabel).toBe('api-key:crm');

    const got = await api('get', `/api/admin/campaigns/${res.body.id}`).expect(200);
    expect(got.body.status).toBe('draft');
    expect(Object.keys(got.body.stats)).toEqual(expect.arrayContaining(['recipients', 'sent', 'failed', 'bounced', 'unsubscribed']));
    const all = await api('get', '/api/admin/campaigns?limit=5').expect(200);
    expect(all.body.items[0]).toMatchObject({ id: res.body.id, status: 'draft', subject: 'Spring news', progress: 0 });
    expect(all.body.total).toBeGreaterThanOrEqual(1);

    expect((await api('get', '/api/admin/campaigns/999999')).status).toBe(404);
    expect((await api('get', '/api/admin/campaigns/abc')).status).toBe(404);
  });

  it('refuses bad input with 400 naming every field', async () => {
    const bad = await api('post', '/api/admin/campaigns').send({ subject: 'x'.repeat(301), body: '', lists: ['nope'], bodyFormat: 'pdf', preheader: 5 });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['body', 'bodyFormat', 'lists', 'preheader', 'subject']);
    expect(bad.body.error.details.fields.subject).toMatch(/300/);

    const empty = await api('post', '/api/admin/campaigns').send({});
    expect(empty.status).toBe(400);
    expect(Object.keys(empty.body.error.details.fields).sort()).toEqual(['body', 'lists', 'subject']);
    expect(empty.body.error.details.fields.lists).toMatch(/at least one list or product/);

    const unknownList = await api('post', '/api/admin/campaigns').send({ subject: 's', body: 'b', lists: [987654], products: [987654] });
    expect(unknownList.status).toBe(400);
    expect(unknownList.body.error.details.fields).toEqual({ lists: expect.stringMatching(/does not exist/), products: expect.stringMatching(/does not exist/) });

    const archived = await createList(t, { archived: true });
    const arch = await api('post', '/api/admin/campaigns').send({ subject: 's', body: 'b', lists: [archived.id] });
    expect(arch.status).toBe(400);
    expect(arch.body.error.details.fields.lists).toMatch(/archived/);

    const notJson = await api('post', '/api/admin/campaigns').set('Content-Type', 'application/json').send('{"subject":');
    expect(notJson.status).toBe(400);
    expect(await t.db.manager.countBy(Campaign, { subject: 's' })).toBe(0);
  });

  it('counts the audience: confirmed and not suppressed, product clients included, each address once', async () => {
    const aud = await audience();
    const c = await createCampaign({ lists: aud.lists, products: aud.products });
    expect(await t.app.get(CampaignsService).audienceCount(c.id)).toBe(aud.expected);

    // Send now writes exactly those rows, in the same transaction as the status change.
    const sent = await api('post', `/api/admin/campaigns/${c.id}/send`);
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'sending', recipients: aud.expected, startedAt: expect.any(String) });
    expect(sent.body.stats).toMatchObject({ recipients: aud.expected, pending: aud.expected, sent: 0, progress: 0 });
    const rows = await t.db.manager.findBy(CampaignRecipient, { campaignId: c.id });
    expect(rows).toHaveLength(aud.expected);
    expect(new Set(rows.map((r) => r.subscriberId)).size).toBe(aud.expected);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'campaign.send', subjectId: String(c.id) })).toBe(1);
  });

  it('two "send now" at once: one starts it, the other is a 409, and every row is written once', async () => {
    const list = await createList(t);
    for (let i = 0; i < 5; i++) await createSubscriber(t, { lists: [list.id] });
    const c = await createCampaign({ lists: [list.id] });
    const res = await Promise.all([api('post', `/api/admin/campaigns/${c.id}/send`), api('post', `/api/admin/campaigns/${c.id}/send`)]);
    expect(res.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await t.db.manager.countBy(CampaignRecipient, { campaignId: c.id })).toBe(5);
    expect((await t.db.manager.findOneByOrFail(Campaign, { id: c.id })).recipients).toBe(5);
  });

  it('sending to nobody is a clear 409 and changes nothing', async () => {
    const empty = await createList(t);
    await createSubscriber(t, { lists: [{ listId: empty.id, status: 'unsubscribed' }] });
    const c = await createCampaign({ lists: [empty.id] });
    const res = await api('post', `/api/admin/campaigns/${c.id}/send`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'campaigns.no_recipients', message: expect.stringMatching(/Nobody/) });
    const after = await t.db.manager.findOneByOrFail(Campaign, { id: c.id });
    expect(after).toMatchObject({ status: 'draft', startedAt: null, recipients: 0 });
    expect(await t.db.manager.countBy(CampaignRecipient, { campaignId: c.id })).toBe(0);
  });

  it('pause, resume, cancel; a wrong status is 409 naming the current one', async () => {
    const list = await createList(t);
    for (let i = 0; i < 3; i++) await createSubscriber(t, { lists: [list.id] });
    const c = await createCampaign({ lists: [list.id] });

    const early = await api('post', `/api/admin/campaigns/${c.id}/pause`);
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'campaigns.wrong_status', message: expect.stringMatching(/draft/), details: { status: 'draft' } });
    expect((await api('post', `/api/admin/campaigns/${c.id}/resume`)).body.error.details.status).toBe('draft');

    expect((await api('post', `/api/admin/campaigns/${c.id}/send`)).status).toBe(200);
    const again = await api('post', `/api/admin/campaigns/${c.id}/send`);
    expect(again.status).toBe(409);
    expect(again.body.error.details.status).toBe('sending');
    // Editing is over once it is sending.
    const edit = await api('post', `/api/admin/campaigns/${c.id}`).send({ subject: 'Changed', body: 'b', lists: [list.id] });
    expect(edit.status).toBe(409);
    expect(edit.body.error.details.status).toBe('sending');

    const paused = await api('post', `/api/admin/campaigns/${c.id}/pause`).expect(200);
    expect(paused.body.status).toBe('paused');
    expect((await api('post', `/api/admin/campaigns/${c.id}/pause`)).body.error.details.status).toBe('paused');
    expect((await api('post', `/api/admin/campaigns/${c.id}/resume`).expect(200)).body.status).toBe('sending');

    const cancelled = await api('post', `/api/admin/campaigns/${c.id}/cancel`).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    expect(cancelled.body.stats).toMatchObject({ recipients: 3, pending: 0, skipped: 3, progress: 100 });
    const late = await api('post', `/api/admin/campaigns/${c.id}/resume`);
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ details: { status: 'cancelled' }, message: expect.stringMatching(/cancelled/) });
    expect((await api('post', `/api/admin/campaigns/${c.id}/cancel`)).status).toBe(409);

    const actions = (await t.db.manager.findBy(AuditEntry, { subjectType: 'campaign', subjectId: String(c.id) })).map((a) => a.action).sort();
    expect(actions).toEqual(['campaign.cancel', 'campaign.create', 'campaign.pause', 'campaign.resume', 'campaign.send']);
  });

  it('a draft is edited in place; cancelling a draft needs no rows', async () => {
    const list = await createList(t);
    const other = await createList(t);
    const c = await createCampaign({ lists: [list.id] });
    const edited = await api('post', `/api/admin/campaigns/${c.id}`).send({ subject: 'Better subject', body: '<p>Hi</p>', bodyFormat: 'html', lists: [other.id, list.id] });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ subject: 'Better subject', bodyFormat: 'html', lists: [list.id, other.id], status: 'draft' });
    expect((await api('post', `/api/admin/campaigns/${c.id}/cancel`).expect(200)).body.status).toBe('cancelled');
  });

  it('schedule: future only; unschedule; the scheduler starts due campaigns', async () => {
    const list = await createList(t);
    await createSubscriber(t, { lists: [list.id] });
    await createSubscriber(t, { lists: [list.id] });
    const c = await createCampaign({ lists: [list.id] });

    const past = await api('post', `/api/admin/campaigns/${c.id}/schedule`).send({ at: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe(400);
    expect(past.body.error.details.fields.at).toMatch(/future/);
    expect((await api('post', `/api/admin/campaigns/${c.id}/schedule`).send({ at: 'tomorrow' })).body.error.details.fields.at).toBeDefined();
    expect((await api('post', `/api/admin/campaigns/${c.id}/schedule`).send({})).status).toBe(400);

    const at = new Date(Date.now() + 2 * HOUR);
    const scheduled = await api('post', `/api/admin/campaigns/${c.id}/schedule`).send({ at: at.toISOString() });
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ status: 'scheduled', scheduledAt: at.toISOString() });
    expect((await api('post', `/api/admin/campaigns/${c.id}/unschedule`).expect(200)).body).toMatchObject({ status: 'draft', scheduledAt: null });
    await api('post', `/api/admin/campaigns/${c.id}/schedule`).send({ at: at.toISOString() }).expect(200);

    const svc = t.app.get(CampaignsService);
    const notYet = await svc.startDueScheduled(new Date(at.getTime() - 60_000));
    expect(notYet.started).not.toContain(c.id);
    expect((await t.db.manager.findOneByOrFail(Campaign, { id: c.id })).status).toBe('scheduled');

    const due = await svc.startDueScheduled(new Date(at.getTime() + 1000));
    expect(due.started).toContain(c.id);
    const got = await api('get', `/api/admin/campaigns/${c.id}`).expect(200);
    expect(got.body).toMatchObject({ status: 'sending', recipients: 2, stats: { recipients: 2, pending: 2 } });
    // A second tick (or a second instance) finds nothing more to start.
    expect((await svc.startDueScheduled(new Date(at.getTime() + 2000))).started).not.toContain(c.id);
    expect(await t.db.manager.countBy(CampaignRecipient, { campaignId: c.id })).toBe(2);
    expect((await api('post', `/api/admin/campaigns/${c.id}/schedule`).send({ at: at.toISOString() })).status).toBe(409);
  });

  it('a scheduled campaign that would reach nobody goes back to draft instead of retrying forever', async () => {
    const list = await createList(t);
    const c = await createCampaign({ lists: [list.id] });
    const at = new Date(Date.now() + HOUR);
    await api('post', `/api/admin/campaigns/${c.id}/schedule`).send({ at: at.toISOString() }).expect(200);
    const res = await t.app.get(CampaignsService).startDueScheduled(new Date(at.getTime() + 1000));
    expect(res.failed).toContain(c.id);
    expect((await t.db.manager.findOneByOrFail(Campaign, { id: c.id })).status).toBe('draft');
    expect(await t.db.manager.countBy(AuditEntry, { action: 'campaign.schedule_failed', subjectId: String(c.id) })).toBe(1);
  });

  it('a test send renders the real mail into the outbox, marked [Test]', async () => {
    const list = await createList(t, { name: 'Weekly' });
    const c = await createCampaign({ subject: 'Big news', body: 'Hello **{{name}}** at {{email}}\n\n<script>alert(1)</script>', lists: [list.id] });
    const to = `tester-${tag()}@example.com`;
    await t.app.get(CampaignsService).sendTest({ userId: null, label: 'test', ip: '' }, c.id, to, 'en');
    const [mail] = await outboxFor(t, to);
    expect(mail).toMatchObject({ subject: '[Test] Big news', status: 'pending', mailClass: 'marketing' });
    expect(mail.html).toContain('<strong>');
    expect(mail.html).toContain(to);
    expect(mail.html).toContain('Weekly');
    expect(mail.html).not.toContain('<script');
    expect(mail.text).toContain('Hello');
    expect(await t.db.manager.countBy(AuditEntry, { action: 'campaign.test_send', subjectId: String(c.id) })).toBe(1);
    // the marker is in the language of the test mail
    const toRu = `tester-ru-${tag()}@example.com`;
    await t.app.get(CampaignsService).sendTest({ userId: null, label: 'test', ip: '' }, c.id, toRu, 'ru');
    expect((await outboxFor(t, toRu))[0].subject).toBe('[Тест] Big news');
    // The campaign itself is untouched.
    expect((await t.db.manager.findOneByOrFail(Campaign, { id: c.id })).status).toBe('draft');
    await expect(t.app.get(CampaignsService).sendTest({ userId: null, label: 'test', ip: '' }, c.id, 'not-an-address', 'en')).rejects.toMatchObject({
      kind: 'validation',
      fields: { email: expect.any(String) },
    });
  });

  it('resending rows of unknown outcome: only for a started campaign; a sent one goes back to sending', async () => {
    const list = await createList(t);
    await createSubscriber(t, { lists: [list.id] });
    await createSubscriber(t, { lists: [list.id] });
    const c = await createCampaign({ lists: [list.id] });
    const svc = t.app.get(CampaignsService);
    const actor = { userId: null, label: 'test', ip: '' };
    await expect(svc.requeueUnknown(actor, c.id)).rejects.toMatchObject({ kind: 'conflict', details: { status: 'draft' } });
    await api('post', `/api/admin/campaigns/${c.id}/send`).expect(200);
    const [r1, r2] = await t.db.manager.find(CampaignRecipient, { where: { campaignId: c.id }, order: { id: 'ASC' } });
    await t.db.write((m) => m.update(CampaignRecipient, { id: r1.id }, { status: 'sent', sentAt: new Date() }));
    await t.db.write((m) => m.update(CampaignRecipient, { id: r2.id }, { status: 'unknown' }));
    await t.db.write((m) => m.update(Campaign, { id: c.id }, { status: 'sent', finishedAt: new Date() }));
    expect((await api('get', `/api/admin/campaigns/${c.id}`)).body.stats).toMatchObject({ sent: 1, unknown: 1, progress: 100 });

    await svc.requeueUnknown(actor, c.id);
    const after = await api('get', `/api/admin/campaigns/${c.id}`);
    expect(after.body).toMatchObject({ status: 'sending', finishedAt: null, stats: { sent: 1, unknown: 0, pending: 1, progress: 50 } });
  });
});
