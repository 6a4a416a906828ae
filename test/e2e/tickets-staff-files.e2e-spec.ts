import * as fs from 'node:fs';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { Ticket, TicketAttachment, TicketMessage } from '../../src/support/entities/ticket.entity';
import { TICKET_FILE_MAX_BYTES, TICKET_FILES_MAX } from '../../src/support/ticket-attachments';
import { createTicket } from '../factories/tickets';
import { createUser } from '../factories/users';
import { outboxFor } from '../utils/outbox';
import { multipartPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 3)]);
const XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>';

/** Staff replies and internal notes with files, on the pages and the API; who may download which file. */
describe('ticket files from staff', () => {
  let t: TestApp;
  let staff: Awaited<ReturnType<typeof createUser>>;
  let key: string;

  beforeAll(async () => {
    t = await startTestApp();
    staff = await createUser(t, { role: 'staff', name: 'Sam Staff' });
    key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'files', ip: '' }, 'tickets')).key;
  });
  afterAll(() => t.close());


  const api = (method: 'get' | 'post', path: string) => request(t.http)[method](path).set('Authorization', `Bearer ${key}`);
  const filesOf = (ticketId: number) => t.db.manager.find(TicketAttachment, { where: { ticketId }, order: { id: 'ASC' } });
  const leftovers = () => fs.readdirSync(t.config.filesDir).filter((f) => f.startsWith('.upload-'));

  it('a file on a staff reply: its client downloads it, another client gets 404 on it and on the ticket; a file on a note is for staff only, on no client page and in no mail', async () => {
    const ann = await createUser(t, { name: 'Ann' });
    const tk = await createTicket(t, ann.id, { subject: 'Where is my certificate?' });
    const s = await loginAgent(t, staff.email, staff.password);
    const note = await multipartPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/note`, { body: 'NOTE-BODY: paid by invoice', minutes: '2' }, { name: 'invoice-internal.png', bytes: PNG });
    expect(note.status).toBe(303);
    const reply = await multipartPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/reply`, { body: 'Here it is.', minutes: '3', status: 'waiting_for_client' }, { name: 'certificate.png', bytes: PNG });
    expect(reply.status).toBe(303);

    const [noteFile, replyFile] = await filesOf(tk.id);
    const kinds = new Map((await t.db.manager.findBy(TicketMessage, { ticketId: tk.id })).map((m) => [m.id, m.kind]));
    expect([noteFile.originalName, kinds.get(noteFile.messageId)]).toEqual(['invoice-internal.png', 'internal_note']);
    expect([replyFile.originalName, kinds.get(replyFile.messageId), replyFile.contentType]).toEqual(['certificate.png', 'staff_reply', 'image/png']);

    const staffPage = (await s.get(`/admin/tickets/${tk.id}`).expect(200)).text;
    expect(staffPage).toContain('invoice-internal.png');
    expect(staffPage).toContain('certificate.png');
    await s.get(`/admin/tickets/files/${noteFile.id}`).expect(200);

    const a = await loginAgent(t, ann.email, ann.password);
    const page = (await a.get(`/account/tickets/${tk.id}`).expect(200)).text;
    expect(page).toContain('certificate.png');
    expect(page).not.toContain('invoice-internal.png');
    expect(page).not.toContain('NOTE-BODY');
    const dl = await a.get(`/account/tickets/files/${replyFile.id}`).expect(200);
    expect(dl.headers['content-disposition']).toContain('attachment');
    expect(Buffer.compare(dl.body as Buffer, PNG)).toBe(0);
    await a.get(`/account/tickets/files/${noteFile.id}`).expect(404);

    const bob = await createUser(t);
    const b = await loginAgent(t, bob.email, bob.password);
    await b.get(`/account/tickets/${tk.id}`).expect(404);
    await b.get(`/account/tickets/files/${replyFile.id}`).expect(404);
    await b.get(`/account/tickets/files/${noteFile.id}`).expect(404);
    // a client is not staff: the staff route to a file is closed to them
    expect((await a.get(`/admin/tickets/files/${noteFile.id}`)).status).toBeGreaterThanOrEqual(400);

    const mails = await outboxFor(t, ann.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].text).toContain('Here it is.');
    // the reply's file is named (it is downloaded from the page, after the access check), never attached
    expect(mails[0].text).toContain('Attached on the ticket page: certificate.png');
    expect(mails[0].html).toContain('certificate.png');
    for (const m of await t.db.manager.find(OutboxMessage)) {
      for (const part of [m.text, m.html, m.subject]) {
        expect(part).not.toContain('NOTE-BODY');
        expect(part).not.toContain('invoice-internal.png');
      }
    }
  });

  it('over the size limit a staff reply is 413 with the form shown again; over the count per ticket a form error (400); nothing stored either way', async () => {
    const c = await createUser(t);
    const tk = await createTicket(t, c.id);
    const s = await loginAgent(t, staff.email, staff.password);
    const before = await t.db.manager.countBy(TicketMessage, { ticketId: tk.id });
    const big = await multipartPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/reply`, { body: 'see attached' }, { name: 'big.bin', bytes: Buffer.alloc(TICKET_FILE_MAX_BYTES + 1, 7) });
    expect(big.status).toBe(413);
    expect(big.text).toContain('data-test="staff-reply-form"');
    expect(big.text).toContain('see attached');
    expect(big.text).toContain('The file is too large.');
    const bigNote = await multipartPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/note`, { body: 'big note' }, { name: 'big.bin', bytes: Buffer.alloc(TICKET_FILE_MAX_BYTES + 1, 7) });
    expect(bigNote.status).toBe(413);
    expect(await t.db.manager.countBy(TicketMessage, { ticketId: tk.id })).toBe(before);
    expect(await filesOf(tk.id)).toEqual([]);
    expect(await outboxFor(t, c.email)).toEqual([]);
    expect(leftovers()).toEqual([]);

    // fill the ticket up to its limit, then one more
    const first = await t.db.manager.findOneByOrFail(TicketMessage, { ticketId: tk.id });
    await t.db.write((m) =>
      m.insert(
        TicketAttachment,
        Array.from({ length: TICKET_FILES_MAX }, (_, i) => ({ ticketId: tk.id, messageId: first.id, originalName: `f${i}.txt`, storageKey: `missing-${tk.id}-${i}`, sizeBytes: 1, contentType: 'text/plain', sha256: '0'.repeat(64), createdAt: new Date() })),
      ),
    );
    const many = await multipartPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/note`, { body: 'one too many' }, { name: 'x.png', bytes: PNG });
    expect(many.status).toBe(400);
    expect(many.text).toContain('This ticket already has the most files it can have.');
    expect(many.text).toContain('one too many');
    expect(await t.db.manager.countBy(TicketMessage, { ticketId: tk.id })).toBe(before);
    expect(await t.db.manager.countBy(TicketAttachment, { ticketId: tk.id })).toBe(TICKET_FILES_MAX);
    expect(leftovers()).toEqual([]);
    // without a file the ticket still takes replies
    expect((await multipartPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/reply`, { body: 'no file this time' })).status).toBe(303);
  });

  it('the API takes a reply or a note as multipart with a file; a note’s file never reaches the client; a bad kind or a big file is refused, nothing stored', async () => {
    const c = await createUser(t);
    const tk = await createTicket(t, c.id);
    const note = await api('post', `/api/admin/tickets/${tk.id}/messages`).field('kind', 'note').field('body', 'API note').field('minutes', '4').attach('file', PNG, 'api-note.png').expect(201);
    const last = note.body.messages[note.body.messages.length - 1];
    expect(last).toMatchObject({ kind: 'internal_note', minutes: 4, attachments: [{ name: 'api-note.png', sizeBytes: PNG.length }] });
    const reply = await api('post', `/api/admin/tickets/${tk.id}/messages`).field('kind', 'reply').field('body', 'API reply').attach('file', PNG, 'api-reply.png').expect(201);
    expect(reply.body.status).toBe('waiting_for_client');
    expect(reply.body.messages.map((m: { kind: string; attachments: unknown[] }) => [m.kind, m.attachments.length])).toEqual([
      ['client', 0],
      ['internal_note', 1],
      ['staff_reply', 1],
    ]);

    const a = await loginAgent(t, c.email, c.password);
    const page = (await a.get(`/account/tickets/${tk.id}`).expect(200)).text;
    expect(page).toContain('api-reply.png');
    expect(page).not.toContain('api-note.png');
    const [noteFile, replyFile] = await filesOf(tk.id);
    await a.get(`/account/tickets/files/${noteFile.id}`).expect(404);
    await a.get(`/account/tickets/files/${replyFile.id}`).expect(200);

    const bad = await api('post', `/api/admin/tickets/${tk.id}/messages`).field('kind', 'shout').field('body', 'x').attach('file', PNG, 'x.png');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields.kind).toBe('Must be reply or note.');
    const big = await api('post', `/api/admin/tickets/${tk.id}/messages`).field('kind', 'note').field('body', 'big').attach('file', Buffer.alloc(TICKET_FILE_MAX_BYTES + 1, 1), 'big.bin');
    expect(big.status).toBe(413);
    // JSON still works, and is still checked
    await api('post', `/api/admin/tickets/${tk.id}/messages`).send({ kind: 'note', body: 'JSON note' }).expect(201);
    expect((await api('post', `/api/admin/tickets/${tk.id}/messages`).send({ kind: 'shout', body: 'x' })).status).toBe(400);
    expect(await t.db.manager.countBy(TicketAttachment, { ticketId: tk.id })).toBe(2);
    expect(leftovers()).toEqual([]);
  });

  it('XSS in a staff reply’s body and file name, and in the subject, is inert on the client’s page and in the client’s mail; links are links, javascript: is not', async () => {
    const c = await createUser(t, { name: `Eve ${XSS}` });
    const tk = await createTicket(t, c.id, { subject: `Subject ${XSS}`, body: `Body ${XSS} http://x/"onmouseover=alert(3)` });
    const s = await loginAgent(t, staff.email, staff.password);
    const body = `Reply ${XSS}\nSee https://example.com/help. Not javascript:alert(4) nor http://x/"onmouseover=alert(5)`;
    expect((await multipartPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/reply`, { body }, { name: `${XSS}.png`, bytes: PNG })).status).toBe(303);

    const a = await loginAgent(t, c.email, c.password);
    const pages = [(await a.get(`/account/tickets/${tk.id}`)).text, (await s.get(`/admin/tickets/${tk.id}`)).text];
    const [mail] = await outboxFor(t, c.email);
    for (const html of [...pages, mail.html]) {
      expect(html).not.toMatch(/<script>alert|<img src=x|onmouseover=alert\(\d\)"|href="javascript:/i);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('<a href="https://example.com/help" rel="nofollow noopener noreferrer ugc">https://example.com/help</a>.');
      expect(html).toContain('<a href="http://x/" rel="nofollow noopener noreferrer ugc">http://x/</a>&quot;onmouseover=alert(5)');
    }
    for (const html of pages) expect(html).toContain('<a href="http://x/" rel="nofollow noopener noreferrer ugc">http://x/</a>&quot;onmouseover=alert(3)');
    // the file's name, on both pages, is text (the name is cut to its last path part, so the "/script" half goes)
    for (const html of pages) expect(html).toMatch(/data-test="attachment">[^<]*&lt;\/?script|data-test="attachment">script&gt;/);
    expect(mail.html).toContain('Attached on the ticket page: script&gt;&lt;img src=x onerror=alert(2)&gt;.png');
    expect(mail.subject).toBe(`[#${tk.id}] Subject ${XSS}`);
    expect(mail.html).toContain(`Subject &quot;&gt;&lt;script&gt;`);
  });

  it('the ticket API is in the OpenAPI document, the message route with JSON and multipart bodies', async () => {
    const doc = (await request(t.http).get('/api/docs-json').expect(200)).body;
    for (const [path, methods] of Object.entries({ '/api/admin/tickets': ['get'], '/api/admin/tickets/{id}': ['get', 'patch'], '/api/admin/tickets/{id}/messages': ['post'] })) {
      expect(Object.keys(doc.paths[path] ?? {})).toEqual(expect.arrayContaining(methods));
    }
    const content = doc.paths['/api/admin/tickets/{id}/messages'].post.requestBody.content;
    expect(Object.keys(content).sort()).toEqual(['application/json', 'multipart/form-data']);
    const schema = doc.components.schemas.TicketMessageFormDto;
    expect(schema.properties.file).toMatchObject({ type: 'string', format: 'binary' });
    expect(schema.required).toEqual(expect.arrayContaining(['kind', 'body']));
    expect(doc.components.schemas.TicketMessageResponse.properties).toHaveProperty('attachments');
  });

  it('a ticket’s status is untouched by a refused staff reply', async () => {
    const c = await createUser(t);
    const tk = await createTicket(t, c.id);
    const s = await loginAgent(t, staff.email, staff.password);
    const res = await multipartPost(s, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/reply`, { body: '', status: 'closed' }, { name: 'x.png', bytes: PNG });
    expect(res.status).toBe(400);
    expect((await t.db.manager.findOneByOrFail(Ticket, { id: tk.id })).status).toBe('open');
    expect(await filesOf(tk.id)).toEqual([]);
    expect(leftovers()).toEqual([]);
  });
});
