import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Actor } from '../../src/audit/actor';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { ClientWarning } from '../../src/clients/warnings/entities/client-warning.entity';
import { WarningFollowUps } from '../../src/clients/warnings/warning-followups.service';
import { localDateString } from '../../src/common/time/zoned-time';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { SettingsService } from '../../src/settings/settings.service';
import { TicketsStaffService } from '../../src/support/tickets-staff.service';
import { createProduct, FACTORY_ACTOR, grantAccess } from '../factories/members';
import { createTicket } from '../factories/tickets';
import { createUser } from '../factories/users';
import { outboxFor } from '../utils/outbox';
import { Agent, csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const DAY = 86400_000;
const tag = () => randomBytes(4).toString('hex');
const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

describe('client warnings: the last attempt (issue 15) — form, preview, mail, record, API, follow-up reminder', () => {
  let t: TestApp;
  let staff: Agent;
  let staffUser: Awaited<ReturnType<typeof createUser>>;
  let owner: Awaited<ReturnType<typeof createUser>>;
  let apiKey: string;
  let zone: string;

  const api = (method: 'get' | 'post', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${apiKey}`);
  const inDays = (n: number) => localDateString(new Date(Date.now() + n * DAY), zone);
  const warningsOf = (clientId: number) => t.db.manager.find(ClientWarning, { where: { clientId }, order: { id: 'ASC' } });

  /** A client with a product, three tickets (one with an internal note) and a second client with a ticket of their own. */
  async function scene(locale: 'ru' | 'en' | null = 'en') {
    const k = tag();
    const product = await createProduct(t, { title: `Watercolour ${k}`, priceLabel: '4 900 ₽', description: '12 lessons, one homework review a week.' });
    const client = await createUser(t, { email: `client-${k}@example.com`, name: `Alice ${k}`, locale });
    await grantAccess(t, client.id, product.id);
    const t1 = await createTicket(t, client.id, { subject: `Review my 40 sketches ${k}` });
    const t2 = await createTicket(t, client.id, { subject: `Call me on Sunday ${k}` });
    const t3 = await createTicket(t, client.id, { subject: `Where is lesson 3 ${k}` });
    const staffActor: Actor = { userId: staffUser.id, label: staffUser.email, ip: '' };
    await t.app.get(TicketsStaffService).note(staffActor, t1.id, { body: `SECRET-NOTE ${k}: she is exhausting, keeps pushing for free work` });
    const other = await createUser(t, { email: `other-${k}@example.com` });
    const foreign = await createTicket(t, other.id, { subject: `Other client's ticket ${k}` });
    return { k, product, client, tickets: [t1, t2, t3], foreign, other };
  }

  async function sendViaPage(clientId: number, fields: Record<string, string | string[]>) {
    const form = await staff.get(`/admin/clients/${clientId}/warnings/new`).expect(200);
    const preview = await staff
      .post(`/admin/clients/${clientId}/warnings/preview`)
      .type('form')
      .send({ ...fields, _csrf: csrfFrom(form.text) });
    return preview;
  }

  /** The send form of a preview page, as the browser would post it (hidden fields included). */
  function sendFormOf(html: string): Record<string, string | string[]> {
    const form = /<form method="post" action="[^"]+\/warnings" data-test="warning-send">([\s\S]*?)<\/form>/.exec(html);
    if (!form) throw new Error('no send form on the preview page');
    const out: Record<string, string | string[]> = {};
    for (const m of form[1].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      if (m[1] === '_csrf') continue;
      const v = m[2].replace(/&#10;/g, '\n').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
      const cur = out[m[1]];
      out[m[1]] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
    }
    return out;
  }

  beforeAll(async () => {
    t = await startTestApp();
    zone = (await t.app.get(SettingsService).current()).timeZone;
    owner = await createUser(t, { role: 'owner', locale: 'ru' });
    staffUser = await createUser(t, { role: 'staff' });
    staff = await loginAgent(t, staffUser.email, staffUser.password);
    apiKey = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'warnings')).key;
  });
  afterAll(() => t.close());

  it('prefills the terms from the client’s products, or from the warningTermsText setting', async () => {
    const s = await scene();
    const page = await staff.get(`/admin/clients/${s.client.id}/warnings/new`).expect(200);
    expect(page.text).toContain(`“Watercolour ${s.k}” (4 900 ₽)`);
    expect(page.text).toContain('12 lessons, one homework review a week.');
    for (const tk of s.tickets) expect(page.text).toContain(`value="${tk.id}"`);
    expect(page.text).not.toContain(`value="${s.foreign.id}"`);

    await t.app.get(SettingsService).update(FACTORY_ACTOR, { warningTermsText: `Group course, answers within two working days ${s.k}` });
    try {
      const again = await staff.get(`/admin/clients/${s.client.id}/warnings/new`).expect(200);
      expect(again.text).toContain(`Group course, answers within two working days ${s.k}`);
      const ownerAgent = await loginAgent(t, owner.email, owner.password);
      const settings = await ownerAgent.get('/admin/settings').expect(200);
      expect(settings.text).toContain('name="warningTermsText"');
      expect(settings.text).toContain(`Group course, answers within two working days ${s.k}`);
    } finally {
      await t.app.get(SettingsService).update(FACTORY_ACTOR, { warningTermsText: '' });
    }
  });

  it('previews the mail in the client’s language with hints, changes nothing, then sends it once (page, CSRF)', async () => {
    const s = await scene('ru');
    const before = (await outboxFor(t, s.client.email)).length;
    const preview = await sendViaPage(s.client.id, {
      terms: 'Курс «Акварель»: 12 уроков и один разбор домашней работы в неделю.',
      requests: [String(s.tickets[0].id), String(s.tickets[1].id)],
      estimate: 'Еженедельный индивидуальный разбор: 4 000 ₽ в месяц.',
      intro: 'Вы нарушили договорённость. Спасибо, что занимаетесь у нас.',
      followUpOn: inDays(7),
    });
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('data-test="warning-preview"');
    expect(preview.text).toContain('Здравствуйте');
    expect(preview.text).toContain(`Review my 40 sketches ${s.k}`);
    expect(preview.text).toContain('4 000 ₽ в месяц');
    expect(preview.text).toMatch(/data-rule="blame"[^>]*><q>Вы нарушили договорённость\.<\/q>/);
    expect(preview.text).not.toContain('SECRET-NOTE');
    expect(await outboxFor(t, s.client.email)).toHaveLength(before);
    expect(await warningsOf(s.client.id)).toHaveLength(0);

    // without the token the form is refused
    const noCsrf = await staff.post(`/admin/clients/${s.client.id}/warnings`).type('form').send(sendFormOf(preview.text));
    expect(noCsrf.status).toBe(403);

    const fields = { ...sendFormOf(preview.text), _csrf: csrfFrom(preview.text) };
    const sent = await staff.post(`/admin/clients/${s.client.id}/warnings`).type('form').send(fields);
    expect(sent.status).toBe(303);
    expect(sent.headers.location).toBe(`/admin/clients/${s.client.id}?done=warning_sent#warnings`);
    // a double click (same preview token) sends nothing more
    expect((await staff.post(`/admin/clients/${s.client.id}/warnings`).type('form').send(fields)).status).toBe(303);

    const mails = (await outboxFor(t, s.client.email)).slice(before);
    expect(mails).toHaveLength(1);
    const mail = mails[0];
    expect(mail.template).toBe('client-warning');
    expect(mail.locale).toBe('ru');
    expect(mail.subject).toContain('наши договорённости');
    for (const part of [mail.text, mail.html]) {
      expect(part).toContain(`Review my 40 sketches ${s.k}`);
      expect(part).toContain(`Call me on Sunday ${s.k}`);
      expect(part).not.toContain(`Where is lesson 3 ${s.k}`);
      expect(part).toContain('4 000 ₽ в месяц');
      expect(part).toContain('дверь открыта');
      expect(part).toContain('Если ничего не изменится');
      expect(part).not.toContain('SECRET-NOTE');
    }

    const all = await warningsOf(s.client.id);
    expect(all).toHaveLength(1);
    const [w] = all;
    expect(w).toMatchObject({ createdBy: staffUser.id, outboxId: mail.id, locale: 'ru', subject: mail.subject, followUpOn: inDays(7), remindedAt: null, followUpDoneAt: null });
    expect(w.bodyText).toBe(mail.text);
    expect(JSON.parse(w.requests).map((r: { ticketId: number }) => r.ticketId).sort()).toEqual([s.tickets[0].id, s.tickets[1].id].sort());
    const audit = await t.db.manager.findOneByOrFail(AuditEntry, { action: 'client.warning', subjectId: String(s.client.id) });
    expect(audit.actorUserId).toBe(staffUser.id);

    const page = await staff.get(`/admin/clients/${s.client.id}`).expect(200);
    expect(page.text).toContain('data-test="client-warnings"');
    expect(page.text).toMatch(new RegExp(`data-warning="${w.id}"`));
    expect(page.text).toContain(`href="/admin/outbox/${mail.id}"`);
    expect(page.text).toContain(`Review my 40 sketches ${s.k}`);
  });

  it('keeps markup in the terms and the estimate inert in the HTML mail and on the pages', async () => {
    const s = await scene('en');
    const res = await api('post', `/api/admin/clients/${s.client.id}/warnings`)
      .send({ terms: `Terms ${XSS}`, requestTicketIds: [s.tickets[2].id], estimate: `Estimate ${XSS}`, intro: `Intro ${XSS}` })
      .expect(201);
    const mail = await t.db.manager.findOneByOrFail(OutboxMessage, { id: res.body.outboxId });
    expect(mail.locale).toBe('en');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.text).toContain(`Estimate ${XSS}`); // the plain-text part is text, not markup
    const page = await staff.get(`/admin/clients/${s.client.id}`).expect(200);
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).not.toContain('<img src=x');
    const preview = await sendViaPage(s.client.id, { terms: `T ${XSS}`, requests: String(s.tickets[0].id), estimate: `E ${XSS}` });
    expect(preview.status).toBe(200);
    // no opening typed: the default one, in the client's language, which the checker passes
    expect(preview.text).toContain('Thank you for learning with us.');
    expect(preview.text).toContain('data-test="hints-none"');
    expect(preview.text).not.toContain('<script>alert(1)');
    expect(preview.text).not.toContain('<img src=x');
  });

  it('points at a sentence that repeats an internal note of a picked ticket', async () => {
    const s = await scene();
    const preview = await sendViaPage(s.client.id, {
      terms: 'The course as bought.',
      requests: [String(s.tickets[0].id)],
      estimate: 'She keeps pushing for free work, so reviews cost 900 ₽ each.',
    });
    expect(preview.status).toBe(200);
    expect(preview.text).toMatch(/data-rule="quotes_private"[^>]*><q>She keeps pushing for free work/);
    // an internal note of a ticket not picked is not the checker's business here, and the mail never carries notes
    expect(preview.text).not.toContain('SECRET-NOTE');
  });

  it('refuses bad input with the fields named: on the page (the form again) and on the API (400)', async () => {
    const s = await scene();
    const page = await sendViaPage(s.client.id, { terms: '', estimate: '', followUpOn: '2020-01-01' });
    expect(page.status).toBe(400);
    expect(page.text).toContain('data-test="warning-form"');
    expect(page.text).toContain('data-test="requests-error"');
    expect(page.text).toMatch(/id="e-terms"/);
    expect(page.text).toMatch(/id="e-estimate"/);
    expect(page.text).toMatch(/id="e-followUpOn"/);

    // the form comes back with what was ticked, and only that
    const one = await sendViaPage(s.client.id, { terms: '', requests: String(s.tickets[1].id), estimate: 'e' });
    expect(one.status).toBe(400);
    const ticked = [...one.text.matchAll(/name="requests" value="(\d+)" checked/g)].map((m) => Number(m[1]));
    expect(ticked).toEqual([s.tickets[1].id]);

    const bad = await api('post', `/api/admin/clients/${s.client.id}/warnings`).send({ terms: ' ', requestTicketIds: [], estimate: 'x'.repeat(2001), followUpOn: '2027-02-30' });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.details.fields).sort()).toEqual(['estimate', 'followUpOn', 'requestTicketIds', 'terms']);

    const wrongTypes = await api('post', `/api/admin/clients/${s.client.id}/warnings`).send({ terms: 5, requestTicketIds: 'all', estimate: 'x' });
    expect(wrongTypes.status).toBe(400);
    expect(Object.keys(wrongTypes.body.error.details.fields)).toEqual(expect.arrayContaining(['terms', 'requestTicketIds']));

    const far = await api('post', `/api/admin/clients/${s.client.id}/warnings`).send({ terms: 'a', requestTicketIds: [s.tickets[0].id], estimate: 'b', followUpOn: inDays(400) });
    expect(far.status).toBe(400);
    expect(far.body.error.details.fields.followUpOn).toBeDefined();
    expect(await warningsOf(s.client.id)).toHaveLength(0);
  });

  it('refuses another client’s ticket (422), an unknown client (404), and a staff account as the client (404)', async () => {
    const s = await scene();
    const foreign = await api('post', `/api/admin/clients/${s.client.id}/warnings`).send({ terms: 'a', requestTicketIds: [s.tickets[0].id, s.foreign.id], estimate: 'b' });
    expect(foreign.status).toBe(422);
    expect(foreign.body.error.details.fields.requestTicketIds).toBeDefined();
    const onPage = await sendViaPage(s.client.id, { terms: 'a', requests: [String(s.foreign.id)], estimate: 'b' });
    expect(onPage.status).toBe(422);
    expect(onPage.text).toContain('data-test="requests-error"');
    expect(await warningsOf(s.client.id)).toHaveLength(0);
    expect(await outboxFor(t, s.client.email).then((m) => m.filter((x) => x.template === 'client-warning'))).toHaveLength(0);

    await api('post', '/api/admin/clients/999999/warnings').send({ terms: 'a', requestTicketIds: [1], estimate: 'b' }).expect(404);
    await api('get', '/api/admin/clients/999999/warnings').expect(404);
    await api('get', `/api/admin/clients/${staffUser.id}/warnings`).expect(404);
    await staff.get('/admin/clients/999999/warnings/new').expect(404);
    // without a key the API is closed
    await request(t.http).get(`/api/admin/clients/${s.client.id}/warnings`).expect(401);
  });

  it('lists warnings on the API, in the OpenAPI document, and marks the follow-up done once', async () => {
    const s = await scene();
    const created = await api('post', `/api/admin/clients/${s.client.id}/warnings`)
      .send({ terms: 'The course as bought.', requestTicketIds: [s.tickets[0].id], estimate: '2 000 ₽ per extra review', followUpOn: inDays(3) })
      .expect(201);
    expect(created.body).toMatchObject({ clientId: s.client.id, followUpOn: inDays(3), followUpDue: false, requests: [{ ticketId: s.tickets[0].id, subject: s.tickets[0].subject }] });
    const list = await api('get', `/api/admin/clients/${s.client.id}/warnings`).expect(200);
    expect(list.body.items.map((w: { id: number }) => w.id)).toEqual([created.body.id]);
    expect(list.body.items[0].bodyText).toContain('2 000 ₽ per extra review');

    const doc = await request(t.http).get('/api/docs-json').expect(200);
    expect(doc.body.paths['/api/admin/clients/{id}/warnings']).toHaveProperty('post');
    expect(doc.body.paths['/api/admin/clients/{id}/warnings']).toHaveProperty('get');

    const pageBefore = await staff.get(`/admin/clients/${s.client.id}`).expect(200);
    const done = await staff.post(`/admin/clients/${s.client.id}/warnings/${created.body.id}/follow-up-done`).type('form').send({ _csrf: csrfFrom(pageBefore.text) });
    expect(done.status).toBe(303);
    await staff.post(`/admin/clients/${s.client.id}/warnings/${created.body.id}/follow-up-done`).type('form').send({ _csrf: csrfFrom(pageBefore.text) });
    const [w] = await warningsOf(s.client.id);
    expect(w.followUpDoneAt).not.toBeNull();
    expect(w.followUpDoneBy).toBe(staffUser.id);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'client.warning_followup', subjectId: String(s.client.id) })).toBe(1);
    // another client's warning id is not found through this client
    await api('post', `/api/admin/clients/${s.other.id}/warnings/${created.body.id}/follow-up-done`).expect(404);
    const after = await staff.get(`/admin/clients/${s.client.id}`).expect(200);
    expect(after.text).not.toContain(`/warnings/${created.body.id}/follow-up-done`);
  });

  it('reminds the owner on the follow-up date, once, even when run twice at once and from two instances', async () => {
    const s = await scene();
    const send = (days: number) =>
      api('post', `/api/admin/clients/${s.client.id}/warnings`).send({ terms: 'a', requestTicketIds: [s.tickets[0].id], estimate: 'b', followUpOn: inDays(days) }).expect(201);
    const a = await send(2);
    const followUps = t.app.get(WarningFollowUps);
    const reminders = async () => (await outboxFor(t, owner.email)).filter((m) => m.template === 'warning-followup' && m.text.includes(`/admin/clients/${s.client.id}#warnings`));

    // not yet due
    expect(await followUps.run(new Date())).toBe(0);
    expect(await reminders()).toHaveLength(0);
    const list = await staff.get('/admin/clients').expect(200);
    expect(list.text).not.toContain(`href="/admin/clients/${s.client.id}#warnings"`);

    const later = new Date(Date.now() + 2 * DAY + 60_000);
    const second = await startTestApp({ testDb: t.testDb });
    try {
      // the job itself, run three times at once on two instances (no lease): one reminder
      const counts = await Promise.all([followUps.run(later), second.app.get(WarningFollowUps).run(later), followUps.run(later)]);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(1);
      expect(await reminders()).toHaveLength(1);
      expect(await followUps.run(later)).toBe(0);

      // the scheduler's tick on two instances: one of them runs it
      const b = await send(2);
      const ran = await Promise.all([followUps.tick(later), second.app.get(WarningFollowUps).tick(later)]);
      expect(ran.filter(Boolean)).toHaveLength(1);
      expect(await reminders()).toHaveLength(2);
      expect((await t.db.manager.findOneByOrFail(ClientWarning, { id: b.body.id })).remindedAt).not.toBeNull();
    } finally {
      await second.close({ keepDb: true });
    }
    const [mail] = await reminders();
    expect(mail.locale).toBe('ru');
    expect(mail.text).toContain(s.client.name);
    const w = await t.db.manager.findOneByOrFail(ClientWarning, { id: a.body.id });
    expect(w.remindedAt).not.toBeNull();

    // shown as due where the owner looks (the client list), until marked done
    await t.db.write((m) => m.update(ClientWarning, { clientId: s.client.id }, { followUpOn: inDays(0) }));
    const due = await staff.get('/admin/clients').expect(200);
    expect(due.text).toContain('data-test="due-follow-ups"');
    expect(due.text).toContain(`href="/admin/clients/${s.client.id}#warnings"`);
    const page = await staff.get(`/admin/clients/${s.client.id}`).expect(200);
    expect(page.text).toMatch(/badge s-warn/);
  });
});
