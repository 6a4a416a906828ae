import { randomBytes } from 'node:crypto';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { CampaignRecipient } from '../../src/mailing/campaigns/entities/campaign-recipient.entity';
import { Campaign } from '../../src/mailing/campaigns/entities/campaign.entity';
import { createList, createSubscriber } from '../factories/mailing';
import { createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { outboxFor } from '../utils/outbox';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');
const BASE = '/admin/mailing/campaigns';

describe('campaign admin pages', () => {
  let t: TestApp;
  let staff: Agent;
  let staffEmail: string;

  beforeAll(async () => {
    t = await startTestApp();
    const s = await createUser(t, { role: 'staff' });
    staffEmail = s.email;
    staff = await loginAgent(t, s.email, s.password);
  });
  afterAll(() => t.close());

  async function draft(fields: Record<string, string | string[]>) {
    const page = await staff.get(`${BASE}/new`).expect(200);
    const res = await staff
      .post(BASE)
      .type('form')
      .send({ subject: `Letter ${tag()}`, body: 'Hello {{name}}', bodyFormat: 'markdown', ...fields, _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    const id = Number(/\/campaigns\/(\d+)\?done=created$/.exec(res.headers.location)?.[1]);
    expect(id).toBeGreaterThan(0);
    return id;
  }

  it('is for staff only', async () => {
    const client = await createUser(t);
    const agent = await loginAgent(t, client.email, client.password);
    expect((await agent.get(BASE)).status).toBe(403);
    expect((await agent.get(`${BASE}/new`)).status).toBe(403);
  });

  it('creates a draft from the form (lists and products as checkboxes) and shows the audience count', async () => {
    const k = tag();
    const a = await createList(t, { name: `Readers ${k}` });
    const b = await createList(t, { name: `Writers ${k}` });
    const archived = await createList(t, { name: `Old ${k}`, archived: true });
    const product = await createProduct(t, { title: `Course ${k}` });
    const form = await staff.get(`${BASE}/new`).expect(200);
    expect(form.text).toContain(`Readers ${k}`);
    expect(form.text).toContain(`Course ${k}`);
    expect(form.text).not.toContain(`Old ${k}`);
    void archived;

    await createSubscriber(t, { email: `one-${k}@example.com`, lists: [a.id, b.id] });
    await createSubscriber(t, { email: `two-${k}@example.com`, lists: [b.id] });
    await createSubscriber(t, { email: `gone-${k}@example.com`, lists: [a.id], suppressed: 'bounced' });
    const client = await createUser(t, { email: `client-${k}@example.com` });
    await grantAccess(t, client.id, product.id);

    const id = await draft({ subject: `Hello ${k}`, lists: [String(a.id), String(b.id)], products: String(product.id) });
    const show = await staff.get(`${BASE}/${id}?done=created`).expect(200);
    expect(show.text).toContain(`Hello ${k}`);
    expect(/data-test="audience-count">(\d+)</.exec(show.text)?.[1]).toBe('3');
    expect(show.text).toContain('data-test="send-now"');
    expect(await t.db.manager.countBy(AuditEntry, { action: 'campaign.create', subjectId: String(id), actorLabel: staffEmail })).toBe(1);

    const list = await staff.get(BASE).expect(200);
    expect(list.text).toContain(`Hello ${k}`);

    // The edit form keeps the chosen boxes ticked.
    const edit = await staff.get(`${BASE}/${id}/edit`).expect(200);
    expect(edit.text).toMatch(new RegExp(`name="lists" value="${a.id}" checked`));
    expect(edit.text).toMatch(new RegExp(`name="products" value="${product.id}" checked`));
    const saved = await formPost(staff, `${BASE}/${id}/edit`, `${BASE}/${id}`, { subject: `Hello again ${k}`, body: 'Hi', bodyFormat: 'markdown', lists: String(a.id) });
    expect(saved.status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Campaign, { id })).subject).toBe(`Hello again ${k}`);
  });

  it('shows the form again with every error (400), keeping what was typed and ticked', async () => {
    const list = await createList(t);
    const res = await formPost(staff, `${BASE}/new`, BASE, { subject: '', body: 'Kept body', bodyFormat: 'markdown', products: '99999999', lists: String(list.id) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Enter a subject.');
    expect(res.text).toContain('A chosen product does not exist.');
    expect(res.text).toContain('Kept body');
    expect(res.text).toMatch(new RegExp(`name="lists" value="${list.id}" checked`));

    const none = await formPost(staff, `${BASE}/new`, BASE, { subject: 'x', body: 'y' });
    expect(none.status).toBe(400);
    expect(none.text).toContain('Choose at least one list or product.');
  });

  it('preview is its own sandboxed document without scripts', async () => {
    const list = await createList(t);
    const id = await draft({ body: '<p>Look</p><script>alert(1)</script><img src=x onerror=alert(2)>', bodyFormat: 'html', lists: String(list.id) });
    const res = await staff.get(`${BASE}/${id}/preview`).expect(200);
    expect(res.headers['content-security-policy']).toMatch(/sandbox/);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.text).toContain('<p>Look</p>');
    expect(res.text).not.toContain('<script');
    expect(res.text).not.toContain('onerror');
  });

  it('send now asks first with the audience count, then writes the rows; pause, resume, cancel by buttons', async () => {
    const list = await createList(t);
    await createSubscriber(t, { lists: [list.id] });
    await createSubscriber(t, { lists: [list.id] });
    const id = await draft({ lists: String(list.id) });

    const confirm = await staff.get(`${BASE}/${id}/send`).expect(200);
    expect(confirm.text).toMatch(/data-test="confirm-audience">[^<]*\b2 recipients/);
    const sent = await staff.post(`${BASE}/${id}/send`).type('form').send({ _csrf: csrfFrom(confirm.text) });
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe(`${BASE}/${id}?done=started`);
    expect(await t.db.manager.countBy(CampaignRecipient, { campaignId: id })).toBe(2);

    const show = await staff.get(`${BASE}/${id}`).expect(200);
    expect(show.text).toContain('data-auto-refresh');
    expect(show.text).toContain('src="/assets/campaign-refresh.js"');
    expect(show.text).toMatch(/data-stat="recipients">2</);
    expect((show.text.match(/data-test="recipient-row"/g) ?? []).length).toBe(2);
    const pendingOnly = await staff.get(`${BASE}/${id}?status=sent`).expect(200);
    expect(pendingOnly.text).not.toContain('data-test="recipient-row"');

    // Sending again from a stale confirmation page: 409 with the reason on the page.
    const again = await staff.post(`${BASE}/${id}/send`).type('form').send({ _csrf: csrfFrom(confirm.text) });
    expect(again.status).toBe(409);
    expect(again.text).toContain('The campaign is sending');

    expect((await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/pause`, {})).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Campaign, { id })).status).toBe('paused');
    const twice = await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/pause`, {});
    expect(twice.status).toBe(409);
    expect(twice.text).toContain('The campaign is paused');
    expect((await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/resume`, {})).status).toBe(303);
    expect((await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/cancel`, {})).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Campaign, { id })).status).toBe('cancelled');
    expect(await t.db.manager.countBy(CampaignRecipient, { campaignId: id, status: 'skipped' })).toBe(2);
  });

  it('schedule from the form (UTC), with errors for a past or missing time', async () => {
    const list = await createList(t);
    await createSubscriber(t, { lists: [list.id] });
    const id = await draft({ lists: String(list.id) });
    const past = await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/schedule`, { at: '2001-01-01T10:00' });
    expect(past.status).toBe(400);
    expect(past.text).toContain('The time must be in the future.');
    const at = new Date(Date.now() + 86400_000);
    const local = at.toISOString().slice(0, 16);
    expect((await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/schedule`, { at: local })).status).toBe(303);
    const c = await t.db.manager.findOneByOrFail(Campaign, { id });
    expect(c.status).toBe('scheduled');
    expect(c.scheduledAt!.toISOString().slice(0, 16)).toBe(local);
    expect((await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/unschedule`, {})).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Campaign, { id })).status).toBe('draft');
  });

  it('test send from the page lands in the outbox', async () => {
    const list = await createList(t);
    const id = await draft({ subject: 'Try me', lists: String(list.id) });
    const to = `check-${tag()}@example.com`;
    const res = await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/test`, { email: to });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${BASE}/${id}?done=test_sent`);
    const mails = await outboxFor(t, to);
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('[Test] Try me');
    const bad = await formPost(staff, `${BASE}/${id}`, `${BASE}/${id}/test`, { email: 'nope' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter a valid email address.');
  });
});
