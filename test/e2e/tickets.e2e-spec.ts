import * as fs from 'node:fs';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { SettingsService } from '../../src/settings/settings.service';
import { Ticket, TicketAttachment, TicketMessage } from '../../src/support/entities/ticket.entity';
import { TicketAutoClose } from '../../src/support/ticket-autoclose.service';
import { TICKET_FILE_MAX_BYTES } from '../../src/support/ticket-attachments';
import { createProduct, FACTORY_ACTOR, grantAccess } from '../factories/members';
import { ageTicket, createTicket, staffReply } from '../factories/tickets';
import { createUser } from '../factories/users';
import { outboxFor } from '../utils/outbox';
import { multipartPost, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const DAY = 86400_000;
const NOTIFY = 'support-desk@kabinet.test';

describe('support tickets', () => {
  let t: TestApp;
  let staff: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    t = await startTestApp();
    staff = await createUser(t, { role: 'staff', name: 'Sam Staff' });
    await t.app.get(SettingsService).update(FACTORY_ACTOR, { supportNotifyAddress: NOTIFY, consultationOffer: 'One hour on Zoom.\nNotes afterwards.', consultationPrice: '5 000 ₽' });
  });
  afterAll(() => t.close());


  it('a client opens a ticket with a file; staff are mailed; another client gets 404 on the ticket and the file', async () => {
    const p = await createProduct(t, { title: 'Watercolour' });
    const ann = await createUser(t, { name: 'Ann' });
    await grantAccess(t, ann.id, p.id);
    const a = await loginAgent(t, ann.email, ann.password);
    const form = await a.get('/account/tickets/new').expect(200);
    expect(form.text).toContain('Watercolour');
    expect(form.text).toContain('One hour on Zoom.');
    expect(form.text).toContain('5 000 ₽');

    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]);
    const res = await multipartPost(a, '/account/tickets/new', '/account/tickets', { type: 'support', productId: String(p.id), subject: 'Lesson 2 will not open', body: 'It says locked.' }, { name: 'shot.png', bytes: png });
    expect(res.status).toBe(303);
    const id = Number(/\/account\/tickets\/(\d+)/.exec(res.headers.location)![1]);
    const tk = await t.db.manager.findOneByOrFail(Ticket, { id });
    expect(tk).toMatchObject({ clientId: ann.id, productId: p.id, type: 'support', status: 'open', subject: 'Lesson 2 will not open' });
    const [file] = await t.db.manager.findBy(TicketAttachment, { ticketId: id });
    expect(file).toMatchObject({ originalName: 'shot.png', contentType: 'image/png', sizeBytes: png.length });

    const page = await a.get(`/account/tickets/${id}`).expect(200);
    expect(page.text).toContain('It says locked.');
    const dl = await a.get(`/account/tickets/files/${file.id}`).expect(200);
    expect(dl.headers['content-disposition']).toContain('attachment');
    expect(dl.headers['content-type']).toBe('image/png');

    const [mail] = await outboxFor(t, NOTIFY);
    expect(mail.subject).toBe(`[#${id}] Lesson 2 will not open`);
    expect(JSON.parse(mail.headers)['Auto-Submitted']).toBe('auto-generated');
    const first = await t.db.manager.findOneByOrFail(TicketMessage, { ticketId: id });
    expect(mail.messageId).toBe(first.messageId);

    const bob = await createUser(t);
    const b = await loginAgent(t, bob.email, bob.password);
    await b.get(`/account/tickets/${id}`).expect(404);
    await b.get(`/account/tickets/files/${file.id}`).expect(404);
    expect((await formPost(b, '/account/tickets', `/account/tickets/${id}/close`, {})).status).toBe(404);
    expect((await multipartPost(b, '/account/tickets/new', `/account/tickets/${id}/reply`, { body: 'mine now' })).status).toBe(404);
    expect((await b.get('/account/tickets')).text).not.toContain('Lesson 2 will not open');
  });

  it('a product that is not the client’s is a form error; an empty subject and body are named', async () => {
    const other = await createProduct(t);
    const c = await createUser(t);
    await grantAccess(t, c.id, (await createProduct(t)).id);
    const a = await loginAgent(t, c.email, c.password);
    const res = await multipartPost(a, '/account/tickets/new', '/account/tickets', { type: 'support', productId: String(other.id), subject: '', body: '' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Choose one of your products.');
    expect(res.text).toContain('Enter a subject.');
    expect(res.text).toContain('Write a message.');
    expect(await t.db.manager.countBy(Ticket, { clientId: c.id })).toBe(0);
  });

  it('staff reply threads the mail (Message-ID, In-Reply-To, References, [#N]) without Auto-Submitted; internal notes never reach the client', async () => {
    const c = await createUser(t, { name: 'Cleo', locale: 'ru' });
    const tk = await createTicket(t, c.id, { subject: 'Где урок?' });
    const s = await loginAgent(t, staff.email, staff.password);
    expect((await formPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/note`, { body: 'SECRET-NOTE: she paid late', minutes: '5' })).status).toBe(303);
    expect((await formPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/reply`, { body: 'Урок откроется завтра.', minutes: '7', status: 'waiting_for_client' })).status).toBe(303);

    const msgs = await t.db.manager.find(TicketMessage, { where: { ticketId: tk.id }, order: { id: 'ASC' } });
    expect(msgs.map((m) => m.kind)).toEqual(['client', 'internal_note', 'staff_reply']);
    const mails = await outboxFor(t, c.email);
    expect(mails).toHaveLength(1);
    const reply = mails[0];
    expect(reply.subject).toBe(`[#${tk.id}] Где урок?`);
    expect(reply.messageId).toBe(msgs[2].messageId);
    const h = JSON.parse(reply.headers);
    expect(h['In-Reply-To']).toBe(msgs[0].messageId);
    expect(h['References']).toBe(msgs[0].messageId);
    expect(h['Auto-Submitted']).toBeUndefined();
    expect(reply.text).toContain('Урок откроется завтра.');
    for (const m of await t.db.manager.find(OutboxMessage)) {
      expect(m.text).not.toContain('SECRET-NOTE');
      expect(m.html).not.toContain('SECRET-NOTE');
    }
    const a = await loginAgent(t, c.email, c.password);
    const page = await a.get(`/account/tickets/${tk.id}`).expect(200);
    expect(page.text).toContain('Урок откроется завтра.');
    expect(page.text).not.toContain('SECRET-NOTE');
    expect(page.text).not.toContain('Sam Staff');
    expect(page.text).not.toMatch(/7 мин|7 min/);
    const staffPage = await s.get(`/admin/tickets/${tk.id}`).expect(200);
    expect(staffPage.text).toContain('SECRET-NOTE');
    expect(staffPage.text).toMatch(/data-test="minutes-total">12</);

    // the client answers: the ticket goes back to staff, and the staff mail threads on the reply
    const ans = await multipartPost(a, `/account/tickets/${tk.id}`, `/account/tickets/${tk.id}/reply`, { body: 'Спасибо!' });
    expect(ans.status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Ticket, { id: tk.id })).status).toBe('waiting_for_staff');
    const staffMails = (await outboxFor(t, NOTIFY)).filter((m) => m.subject === `[#${tk.id}] Где урок?`);
    const last = JSON.parse(staffMails[staffMails.length - 1].headers);
    expect(last['In-Reply-To']).toBe(msgs[2].messageId);
    expect(last['References']).toBe(`${msgs[0].messageId} ${msgs[2].messageId}`);
  });

  it('transitions: only sensible moves by hand; a client reply reopens a recently closed ticket and opens a linked one after the reopen window', async () => {
    const c = await createUser(t);
    const tk = await createTicket(t, c.id);
    const s = await loginAgent(t, staff.email, staff.password);
    expect((await formPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/update`, { status: 'closed' })).status).toBe(303);
    const bad = await formPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/update`, { status: 'waiting_for_client' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('cannot move to that status');
    expect((await t.db.manager.findOneByOrFail(Ticket, { id: tk.id })).status).toBe('closed');

    const a = await loginAgent(t, c.email, c.password);
    expect((await multipartPost(a, `/account/tickets/${tk.id}`, `/account/tickets/${tk.id}/reply`, { body: 'one more thing' })).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Ticket, { id: tk.id })).status).toBe('waiting_for_staff');

    await a.get(`/account/tickets/${tk.id}`);
    expect((await formPost(a, `/account/tickets/${tk.id}`, `/account/tickets/${tk.id}/close`, {})).status).toBe(303);
    await ageTicket(t, tk.id, 30 * DAY);
    const late = await multipartPost(a, `/account/tickets/${tk.id}`, `/account/tickets/${tk.id}/reply`, { body: 'back again' });
    expect(late.status).toBe(303);
    const newId = Number(/\/account\/tickets\/(\d+)/.exec(late.headers.location)![1]);
    expect(newId).not.toBe(tk.id);
    expect(await t.db.manager.findOneByOrFail(Ticket, { id: newId })).toMatchObject({ previousTicketId: tk.id, status: 'open', clientId: c.id });
    expect((await t.db.manager.findOneByOrFail(Ticket, { id: tk.id })).status).toBe('closed');
  });

  it('canned replies: an unknown variable is refused at save time; values fill in escaped', async () => {
    const s = await loginAgent(t, staff.email, staff.password);
    const bad = await formPost(s, '/admin/tickets/canned', '/admin/tickets/canned', { title: 'Hello', body: 'Hi {{first_name}}' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('{{first_name}}');
    expect((await formPost(s, '/admin/tickets/canned', '/admin/tickets/canned', { title: 'Hello', body: 'Hi {{ name }}, about {{product}} ({{ticket}})' })).status).toBe(303);
    const list = await s.get('/admin/tickets/canned').expect(200);
    const cannedId = Number(/data-canned="(\d+)"/.exec(list.text)![1]);
    const c = await createUser(t, { name: '<script>alert(1)</script>' });
    const tk = await createTicket(t, c.id);
    const page = await s.get(`/admin/tickets/${tk.id}?canned=${cannedId}`).expect(200);
    expect(page.text).toContain(`Hi &lt;script&gt;alert(1)&lt;/script&gt;, about  (#${tk.id})`);
    expect(page.text).not.toContain('<script>alert(1)');
  });

  it('a file over the limit is refused with 413 and leaves no ticket and no file behind', async () => {
    const c = await createUser(t);
    const a = await loginAgent(t, c.email, c.password);
    const big = Buffer.alloc(TICKET_FILE_MAX_BYTES + 1, 7);
    const res = await multipartPost(a, '/account/tickets/new', '/account/tickets', { type: 'support', subject: 'Big file', body: 'see attached' }, { name: 'big.bin', bytes: big });
    expect(res.status).toBe(413);
    expect(await t.db.manager.countBy(Ticket, { clientId: c.id })).toBe(0);
    const leftovers = fs.readdirSync(t.config.filesDir).filter((f) => f.startsWith('.upload-'));
    expect(leftovers).toEqual([]);
  });

  it('XSS in subject, body and file name stays text on every page and in mail', async () => {
    const c = await createUser(t);
    const a = await loginAgent(t, c.email, c.password);
    const x = '<img src=x onerror=alert(1)>';
    const res = await multipartPost(a, '/account/tickets/new', '/account/tickets', { type: 'support', subject: `S ${x}`, body: `B ${x}` }, { name: `${x}.html`, bytes: Buffer.from('<html><script>alert(1)</script></html>') });
    expect(res.status).toBe(303);
    const id = Number(/\/account\/tickets\/(\d+)/.exec(res.headers.location)![1]);
    const s = await loginAgent(t, staff.email, staff.password);
    for (const html of [(await a.get(`/account/tickets/${id}`)).text, (await a.get('/account/tickets')).text, (await s.get(`/admin/tickets/${id}`)).text, (await s.get('/admin/tickets')).text]) {
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
    const [file] = await t.db.manager.findBy(TicketAttachment, { ticketId: id });
    expect(file.contentType).toBe('application/octet-stream');
    const dl = await a.get(`/account/tickets/files/${file.id}`).expect(200);
    expect(dl.headers['content-type']).toBe('application/octet-stream');
    expect(dl.headers['x-content-type-options']).toBe('nosniff');
    const mail = (await outboxFor(t, NOTIFY)).find((m) => m.subject.includes(`[#${id}]`))!;
    expect(mail.html).not.toContain('<img src=x');
  });

  it('convert support → consultation mails the client the offer and price', async () => {
    const c = await createUser(t);
    const tk = await createTicket(t, c.id);
    const s = await loginAgent(t, staff.email, staff.password);
    expect((await formPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/convert`, {})).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Ticket, { id: tk.id })).type).toBe('consultation');
    const [mail] = await outboxFor(t, c.email);
    expect(mail.text).toContain('One hour on Zoom.');
    expect(mail.text).toContain('5 000 ₽');
    expect((await formPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/convert`, {})).status).toBe(400);
  });

  it('inbox: filters, counts per status, sort by waiting; the API lists, shows threads with notes, adds messages and updates', async () => {
    const c = await createUser(t, { email: `inbox-${Date.now()}@example.com` });
    const t1 = await createTicket(t, c.id, { subject: 'Inbox one' });
    const t2 = await createTicket(t, c.id, { subject: 'Inbox two', type: 'consultation' });
    await staffReply(t, staff.id, t2.id);
    const s = await loginAgent(t, staff.email, staff.password);
    const page = await s.get(`/admin/tickets?client=${encodeURIComponent(c.email)}`).expect(200);
    expect(page.text).toContain('Inbox one');
    expect(page.text).toContain('Inbox two');
    expect(page.text).toMatch(/data-status="open">[^<]*<span class="badge">1</);
    expect(page.text).toMatch(/data-status="waiting_for_client">[^<]*<span class="badge">1</);
    const waiting = await s.get(`/admin/tickets?client=${encodeURIComponent(c.email)}&sort=waiting`).expect(200);
    expect(waiting.text).toContain('Inbox one');
    expect(waiting.text).not.toContain('Inbox two');
    expect((await s.get(`/admin/tickets?client=${encodeURIComponent(c.email)}&type=consultation`)).text).not.toContain('Inbox one');
    expect((await s.get('/admin/tickets?status=bogus')).status).toBe(400);

    const key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, 'tickets')).key;
    const api = (method: 'get' | 'post' | 'patch', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${key}`);
    const list = await api('get', `/api/admin/tickets?clientId=${c.id}&status=all`).expect(200);
    expect(list.body.total).toBe(2);
    expect(list.body.counts).toMatchObject({ open: 1, waiting_for_client: 1, all: 2 });
    await api('post', `/api/admin/tickets/${t1.id}/messages`).send({ kind: 'note', body: 'API note', minutes: 3 }).expect(201);
    const replied = await api('post', `/api/admin/tickets/${t1.id}/messages`).send({ kind: 'reply', body: 'API reply', minutes: 4 }).expect(201);
    expect(replied.body.status).toBe('waiting_for_client');
    expect(replied.body.minutesTotal).toBe(7);
    expect(replied.body.messages.map((m: { kind: string }) => m.kind)).toEqual(['client', 'internal_note', 'staff_reply']);
    const upd = await api('patch', `/api/admin/tickets/${t1.id}`).send({ priority: 'urgent', assigneeId: staff.id }).expect(200);
    expect(upd.body).toMatchObject({ priority: 'urgent', assigneeId: staff.id });
    expect((await api('patch', `/api/admin/tickets/${t1.id}`).send({ assigneeId: c.id })).status).toBe(400);
    expect((await api('post', `/api/admin/tickets/${t1.id}/messages`).send({ kind: 'reply', body: '' })).status).toBe(400);
    await api('get', '/api/admin/tickets/99999999').expect(404);
  });

  // Last: a second app on the same database, closed afterwards.
  it('auto-close: a ticket waiting for the client past the setting closes once with two app instances, with one mail', async () => {
    const c = await createUser(t);
    const tk = await createTicket(t, c.id);
    await staffReply(t, staff.id, tk.id);
    await ageTicket(t, tk.id, 8 * DAY);
    const fresh = await createTicket(t, c.id);
    await staffReply(t, staff.id, fresh.id);
    const second = await startTestApp({ testDb: t.testDb });
    try {
      const jobs = [t.app.get(TicketAutoClose), second.app.get(TicketAutoClose)];
      // the scheduler's way: both instances tick at once, one runs
      const now = new Date();
      expect((await Promise.all(jobs.map((j) => j.tick(now)))).filter(Boolean)).toHaveLength(1);
      // and run again, by hand, on both: nothing more to close, nothing mailed twice
      for (const j of jobs) expect(await j.run()).toBe(0);
    } finally {
      await second.close({ keepDb: true });
    }
    expect((await t.db.manager.findOneByOrFail(Ticket, { id: tk.id })).status).toBe('closed');
    expect((await t.db.manager.findOneByOrFail(Ticket, { id: fresh.id })).status).toBe('waiting_for_client');
    const closeMails = (await outboxFor(t, c.email)).filter((m) => m.subject.startsWith(`[#${tk.id}]`) && m.text.includes('closed'));
    expect(closeMails).toHaveLength(1);
    expect(JSON.parse(closeMails[0].headers)['Auto-Submitted']).toBe('auto-generated');
    expect(await t.db.manager.countBy(TicketMessage, { ticketId: tk.id, kind: 'system', body: 'auto_closed' })).toBe(1);
  });
});
