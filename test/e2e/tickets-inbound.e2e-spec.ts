import * as fs from 'node:fs';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { AddressTokens } from '../../src/inbound/address-tokens';
import { InboundMessage } from '../../src/inbound/entities/inbound-message.entity';
import { InboundServer } from '../../src/inbound/inbound.server';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { SettingsService } from '../../src/settings/settings.service';
import { BansService } from '../../src/bans/bans.service';
import { UsersRepository } from '../../src/users/users.repository';
import { TicketsService } from '../../src/support/tickets.service';
import { Ticket, TicketAttachment, TicketMailAck, TicketMessage } from '../../src/support/entities/ticket.entity';
import { FACTORY_ACTOR } from '../factories/members';
import { ageTicket, createTicket, staffReply } from '../factories/tickets';
import { createUser } from '../factories/users';
import { sendRaw } from '../utils/inbound-client';
import { outboxFor } from '../utils/outbox';
import { makePng } from '../utils/png';
import { SmtpSink } from '../utils/smtp-sink';
import { formPost, loginAgent, startTestApp, TEST_SECRET, TestApp } from '../utils/test-app';

const DOMAIN = 'in.kabinet.test';
const SUPPORT = `support@${DOMAIN}`;
const NOTIFY = 'desk@kabinet.test';
const DAY = 86_400_000;
const MAX_FILE = 40_000;
const pngBytes = (w: number, h: number) => makePng(w, h, (x, y) => [x * 40, y * 40, 128, 255]);

/**
 * Tickets by mail through the real listener and a real SMTP client (nodemailer's SMTP transport): replies find
 * their thread (token, Message-ID, [#N] from the client only), the support address opens tickets, machines get
 * nothing, the same mail is one message, files from mail are stored and guarded like uploads.
 */
describe('tickets by mail (inbound listener)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let port: number;
  let staff: Awaited<ReturnType<typeof createUser>>;
  const tokens = new AddressTokens(TEST_SECRET);

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await startTestApp({
      env: { SMTP_URL: sink.url, INBOUND_PORT: '0', INBOUND_DOMAIN: DOMAIN, INBOUND_MAX_BYTES: '1048576', MAX_UPLOAD_BYTES: String(MAX_FILE) },
    });
    port = t.app.get(InboundServer).port!;
    staff = await createUser(t, { role: 'staff', name: 'Sam Staff' });
    await t.app.get(SettingsService).update(FACTORY_ACTOR, { supportNotifyAddress: NOTIFY });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  let seq = 0;
  /** A whole message as an SMTP client would send it. */
  async function compose(o: Mail.Options): Promise<string> {
    const mail = new MailComposer({ date: new Date(), messageId: `<m${++seq}.${Date.now()}@client.test>`, ...o });
    return (await mail.compile().build()).toString('utf8');
  }
  /** Sends `o` to `to` through the listener with a real SMTP client. */
  async function deliver(o: Mail.Options & { from: string }, to: string[] = [String(o.to)], envelopeFrom = o.from) {
    return sendRaw(port, { from: envelopeFrom, to }, await compose({ ...o, to: o.to ?? to.join(', ') }));
  }
  const messagesOf = (ticketId: number) => t.db.manager.find(TicketMessage, { where: { ticketId }, order: { id: 'ASC' } });
  const ticket = (id: number) => t.db.manager.findOneByOrFail(Ticket, { id });
  const replyTo = (ticketId: number) => `reply+${tokens.make('reply', `t${ticketId}`)}@${DOMAIN}`;
  const lastInbound = async () => (await t.db.manager.find(InboundMessage, { order: { id: 'DESC' }, take: 1 }))[0];
  const headersOf = (m: OutboxMessage) => JSON.parse(m.headers) as Record<string, string>;

  async function clientWithTicket(name = 'Ann') {
    const client = await createUser(t, { name });
    const tk = await createTicket(t, client.id, { subject: `Lesson ${++seq} is locked`, body: 'It says locked.' });
    await staffReply(t, staff.id, tk.id, 'Try again tomorrow.');
    return { client, tk };
  }

  it('puts Reply-To reply+<token> on every mail to the client, none on the staff notification', async () => {
    const { client, tk } = await clientWithTicket();
    const [toClient] = await outboxFor(t, client.email);
    expect(headersOf(toClient)['Reply-To']).toMatch(new RegExp(`^reply\\+t${tk.id}-[0-9a-z]+-[a-z2-7]{16}@${DOMAIN.replace(/\./g, '\\.')}$`));
    expect(tokens.verify('reply', headersOf(toClient)['Reply-To'].slice(6).split('@')[0], 400)).toMatchObject({ ok: true, ref: `t${tk.id}` });
    const [toStaff] = await outboxFor(t, NOTIFY);
    expect(headersOf(toStaff)['Reply-To']).toBeUndefined();
  });

  it('a reply to the reply address lands in its ticket without the quoted history, reopens it for staff and tells them', async () => {
    const { client, tk } = await clientWithTicket();
    expect((await ticket(tk.id)).status).toBe('waiting_for_client');
    const notified = (await outboxFor(t, NOTIFY)).length;
    const res = await deliver({
      from: `Ann <${client.email.toUpperCase()}>`,
      to: replyTo(tk.id),
      subject: `Re: [#${tk.id}] ${tk.subject}`,
      text: 'Still locked, sorry.\n\nOn Tue, Dec 1, 2026 Support wrote:\n> Try again tomorrow.',
      html: '<p>Still locked, sorry.</p><blockquote>Try again tomorrow.</blockquote>',
    });
    expect(res).toMatchObject({ ok: true });
    const msgs = await messagesOf(tk.id);
    const last = msgs[msgs.length - 1];
    expect(last).toMatchObject({ kind: 'client', authorId: client.id, authorEmail: null });
    expect(last.body).toContain('Still locked, sorry.');
    expect(last.body).not.toMatch(/<p>|<blockquote>/);
    expect(last.body).not.toContain('Try again tomorrow');
    expect((await ticket(tk.id)).status).toBe('waiting_for_staff');
    const staffMail = await outboxFor(t, NOTIFY);
    expect(staffMail).toHaveLength(notified + 1);
    expect(staffMail[staffMail.length - 1].messageId).toBe(last.messageId);
    expect(await lastInbound()).toMatchObject({ handler: 'support.ticket', status: 'handled', outcome: 'ticket-reply' });
  });

  it('routes by a Message-ID of ours in In-Reply-To / References when the mail comes to the support address', async () => {
    const { client, tk } = await clientWithTicket();
    const reply = (await messagesOf(tk.id)).find((m) => m.kind === 'staff_reply')!;
    expect(await deliver({ from: client.email, to: SUPPORT, subject: 'a new subject line', text: 'Thanks, it works now.', inReplyTo: reply.messageId, references: [reply.messageId] })).toMatchObject({ ok: true });
    const msgs = await messagesOf(tk.id);
    expect(msgs[msgs.length - 1]).toMatchObject({ kind: 'client', body: 'Thanks, it works now.' });
    expect(await t.db.manager.countBy(Ticket, { subject: 'a new subject line' })).toBe(0);
  });

  it('[#N] in the subject routes only mail from that ticket’s client; from a stranger it opens a “not a client yet” ticket instead', async () => {
    const { client, tk } = await clientWithTicket();
    const before = (await messagesOf(tk.id)).length;
    expect(await deliver({ from: client.email, to: SUPPORT, subject: `Re: [#${tk.id}] about that`, text: 'One more thing.' })).toMatchObject({ ok: true });
    expect(await messagesOf(tk.id)).toHaveLength(before + 1);

    const stranger = `eve.${seq}@elsewhere.test`;
    expect(await deliver({ from: stranger, to: SUPPORT, subject: `Re: [#${tk.id}] about that`, text: 'Let me in.' })).toMatchObject({ ok: true });
    expect(await messagesOf(tk.id)).toHaveLength(before + 1);
    const opened = await t.db.manager.findOneByOrFail(Ticket, { externalEmail: stranger });
    expect(opened).toMatchObject({ clientId: null, status: 'open', subject: `Re: [#${tk.id}] about that` });
    expect((await messagesOf(opened.id))[0]).toMatchObject({ kind: 'client', authorId: null, authorEmail: stranger, body: 'Let me in.' });
  });

  it('a reply token used from another address goes into the ticket marked with that address', async () => {
    const { tk } = await clientWithTicket();
    const colleague = `colleague.${seq}@client-company.test`;
    expect(await deliver({ from: colleague, to: replyTo(tk.id), subject: 'Re: it', text: 'I work with Ann; same problem here.' })).toMatchObject({ ok: true });
    const msgs = await messagesOf(tk.id);
    expect(msgs[msgs.length - 1]).toMatchObject({ kind: 'client', authorId: null, authorEmail: colleague });
    const a = await loginAgent(t, staff.email, staff.password);
    const page = await a.get(`/admin/tickets/${tk.id}`).expect(200);
    expect(page.text).toContain(colleague);
    expect(page.text).toContain('from another address');
  });

  it('refuses a forged, malformed or expired reply token at RCPT TO, and a valid token of a ticket that does not exist', async () => {
    const { client, tk } = await clientWithTicket();
    const send = (rcpt: string) => deliver({ from: client.email, to: rcpt, subject: 'x', text: 'x' });
    const today = Math.floor(Date.now() / DAY).toString(36);
    const forged = await send(`reply+t${tk.id}-${today}-aaaaaaaaaaaaaaaa@${DOMAIN}`);
    expect(forged).toMatchObject({ ok: false, code: 550 });
    expect(forged.response).toMatch(/5\.7\.1 This reply address was not issued here/);
    expect(await send(`reply+${new AddressTokens('y'.repeat(40)).make('reply', `t${tk.id}`)}@${DOMAIN}`)).toMatchObject({ ok: false, code: 550 });
    expect(await send(`reply+nonsense@${DOMAIN}`)).toMatchObject({ ok: false, code: 550 });
    // a bounce token is no reply token: the purpose is signed
    expect(await send(`reply+${tokens.make('bounce', `t${tk.id}`)}@${DOMAIN}`)).toMatchObject({ ok: false, code: 550 });
    const expired = await send(`reply+${tokens.make('reply', `t${tk.id}`, new Date(Date.now() - 401 * DAY))}@${DOMAIN}`);
    expect(expired).toMatchObject({ ok: false, code: 550 });
    expect(expired.response).toMatch(/5\.7\.1 This reply address has expired.*support@in\.kabinet\.test/);
    expect(await send(`reply+${tokens.make('reply', 't99999999')}@${DOMAIN}`)).toMatchObject({ ok: false, code: 550 });
    // a year-old token still works
    expect(await send(`reply+${tokens.make('reply', `t${tk.id}`, new Date(Date.now() - 365 * DAY))}@${DOMAIN}`)).toMatchObject({ ok: true });
  });

  it('stores the same mail once: delivered twice, and delivered to two of our addresses in one transaction', async () => {
    const { client, tk } = await clientWithTicket();
    const before = (await messagesOf(tk.id)).length;
    const raw = await compose({ from: client.email, to: `${replyTo(tk.id)}, ${SUPPORT}`, subject: `Re: [#${tk.id}]`, text: 'Sent once, arrives thrice.' });
    expect(await sendRaw(port, { from: client.email, to: [replyTo(tk.id), SUPPORT] }, raw)).toMatchObject({ ok: true });
    expect(await sendRaw(port, { from: client.email, to: [replyTo(tk.id)] }, raw)).toMatchObject({ ok: true });
    expect(await sendRaw(port, { from: client.email, to: [SUPPORT] }, raw.replace(/^/, 'Received: from relay.test by mx.test; Tue, 1 Dec 2026 12:00:00 +0000\r\n'))).toMatchObject({ ok: true });
    const after = await messagesOf(tk.id);
    expect(after).toHaveLength(before + 1);
    expect(after.filter((m) => m.body === 'Sent once, arrives thrice.')).toHaveLength(1);
    expect(await t.db.manager.countBy(Ticket, { subject: `Re: [#${tk.id}]` })).toBe(0);
  });

  it('an out-of-office reply is stored, answered with nothing and reopens nothing; to the support address it opens nothing', async () => {
    const { client, tk } = await clientWithTicket();
    await t.db.transaction((m) => m.update(Ticket, { id: tk.id }, { status: 'closed', closedAt: new Date() }));
    const before = (await messagesOf(tk.id)).length;
    const mailsBefore = await t.db.manager.count(OutboxMessage);
    const ooo = { from: client.email, subject: 'Out of office', text: 'I am away until Monday.', headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' } };
    expect(await deliver({ ...ooo, to: replyTo(tk.id) })).toMatchObject({ ok: true });
    expect(await lastInbound()).toMatchObject({ status: 'handled', outcome: 'auto-reply', isAutomatic: true });
    expect(await deliver({ ...ooo, to: SUPPORT, headers: { Precedence: 'bulk' } })).toMatchObject({ ok: true });
    expect(await lastInbound()).toMatchObject({ outcome: 'auto-reply' });
    // a bounce-like null sender too
    expect(await deliver({ ...ooo, headers: {}, to: SUPPORT, subject: 'Undelivered' }, [SUPPORT], '')).toMatchObject({ ok: true });
    expect(await messagesOf(tk.id)).toHaveLength(before);
    expect((await ticket(tk.id)).status).toBe('closed');
    expect(await t.db.manager.countBy(Ticket, { subject: 'Out of office' })).toBe(0);
    expect(await t.db.manager.countBy(Ticket, { subject: 'Undelivered' })).toBe(0);
    expect(await t.db.manager.count(OutboxMessage)).toBe(mailsBefore);
  });

  it('acknowledges a ticket opened by mail once per sender per day (Auto-Submitted: auto-replied, with the reply address); the database keeps it to one', async () => {
    const k = ++seq;
    const sender = `frank.${k}@newcomer.test`;
    for (const n of [1, 2, 3]) expect(await deliver({ from: `Frank <${sender}>`, to: SUPPORT, subject: `Question ${n} from Frank ${k}`, text: `Question ${n}` })).toMatchObject({ ok: true });
    const opened = await t.db.manager.find(Ticket, { where: { externalEmail: sender }, order: { id: 'ASC' } });
    expect(opened).toHaveLength(3);
    const acks = await outboxFor(t, sender);
    expect(acks).toHaveLength(1);
    const h = headersOf(acks[0]);
    expect(h['Auto-Submitted']).toBe('auto-replied');
    expect(h['Reply-To']).toMatch(new RegExp(`^reply\\+t${opened[0].id}-`));
    expect(h['In-Reply-To']).toMatch(/^<m\d+\.\d+@client\.test>$/);
    expect(acks[0].subject).toBe(`[#${opened[0].id}] Question 1 from Frank ${k}`);
    // staff were told of each
    expect((await outboxFor(t, NOTIFY)).filter((m) => m.subject.includes(`from Frank ${k}`))).toHaveLength(3);
    // three at once (three SMTP sessions, on MariaDB three transactions racing): still one
    const racer = `rita.${k}@newcomer.test`;
    const raced = await Promise.all([1, 2, 3].map((n) => deliver({ from: racer, to: SUPPORT, subject: `Race ${n} ${k}`, text: `Race ${n}` })));
    expect(raced.every((r) => r.ok)).toBe(true);
    expect(await t.db.manager.countBy(Ticket, { externalEmail: racer })).toBe(3);
    expect(await outboxFor(t, racer)).toHaveLength(1);
    // the key is the database's: a second row for the same sender and day is refused
    const day = new Date().toISOString().slice(0, 10);
    await expect(t.db.transaction((m) => m.insert(TicketMailAck, { email: sender, day, ticketId: opened[1].id, createdAt: new Date() }))).rejects.toThrow();
  });

  it('from an unknown address opens a “not a client yet” ticket; staff link it to a client, who then sees it', async () => {
    const sender = `gina.${++seq}@unknown.test`;
    expect(await deliver({ from: `Gina <${sender}>`, to: SUPPORT, subject: `Can I buy the course ${seq}?`, text: 'Hello, is it still on sale?' })).toMatchObject({ ok: true });
    const tk = await t.db.manager.findOneByOrFail(Ticket, { externalEmail: sender });
    const a = await loginAgent(t, staff.email, staff.password);
    const page = await a.get(`/admin/tickets/${tk.id}`).expect(200);
    expect(page.text).toContain('not a client yet');
    expect(page.text).toContain('data-test="link-client-form"');

    const bad = await formPost(a, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/link`, { linkEmail: 'nobody@nowhere.test' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('No client has this e-mail address.');
    expect((await formPost(a, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/link`, { linkEmail: staff.email })).status).toBe(400);

    const gina = await createUser(t, { name: 'Gina', email: `gina.account.${seq}@example.com` });
    const ok = await formPost(a, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/link`, { linkEmail: gina.email.toUpperCase() });
    expect(ok.status).toBe(303);
    expect(await ticket(tk.id)).toMatchObject({ clientId: gina.id, externalEmail: null });
    const msgs = await messagesOf(tk.id);
    expect(msgs[0]).toMatchObject({ kind: 'client', authorId: gina.id, authorEmail: null });
    expect(msgs[msgs.length - 1]).toMatchObject({ kind: 'system', body: 'tickets_inbound.system.linked' });
    const after = await a.get(`/admin/tickets/${tk.id}`).expect(200);
    expect(after.text).not.toContain('data-test="link-client-form"');
    expect(after.text).toContain('The ticket was linked to the client’s account.');
    expect((await formPost(a, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/link`, { linkEmail: gina.email })).status).toBe(400);

    const g = await loginAgent(t, gina.email, gina.password);
    expect((await g.get(`/account/tickets/${tk.id}`).expect(200)).text).toContain('Hello, is it still on sale?');
  });

  it('a banned identity writes no ticket: its mail is refused with 550 5.7.1 (address variants and a banned domain too), and the web form refuses it', async () => {
    const { client, tk } = await clientWithTicket('Ban');
    const before = (await messagesOf(tk.id)).length;
    const [local, domain] = client.email.split('@');
    await t.app.get(BansService).banNow(FACTORY_ACTOR, { email: client.email, reason: 'private: abusive in three tickets' });
    for (const to of [replyTo(tk.id), SUPPORT]) {
      const res = await deliver({ from: `${local.toUpperCase()}@${domain}`, to, subject: `Re: [#${tk.id}] ${tk.subject}`, text: 'Let me back in.' });
      expect(res).toMatchObject({ ok: false, code: 550 });
      expect(res.response).toContain('5.7.1 This address can no longer write to support here');
      expect(res.response).not.toContain('abusive');
    }
    expect(await messagesOf(tk.id)).toHaveLength(before);
    await expect(t.app.get(TicketsService).reply(client.id, tk.id, { body: 'web' }, null)).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(t.app.get(TicketsService).open(client.id, { subject: 'again', body: 'web', type: 'support' }, null)).rejects.toMatchObject({ kind: 'forbidden' });

    const spammer = `s${++seq}@spam-shop.test`;
    await t.app.get(BansService).banNow(FACTORY_ACTOR, { domain: 'spam-shop.test', reason: 'spam' });
    expect(await deliver({ from: spammer, to: SUPPORT, subject: `Buy now ${seq}`, text: 'Cheap.' })).toMatchObject({ ok: false, code: 550 });
    expect(await t.db.manager.findOneBy(Ticket, { externalEmail: spammer })).toBeNull();
  });

  it('a closed account (offboarded, not banned) writes no ticket by mail either, and the web refuses it', async () => {
    const { client, tk } = await clientWithTicket('Closed');
    const before = (await messagesOf(tk.id)).length;
    await t.db.transaction((m) => t.app.get(UsersRepository).setDisabled(m, client.id, new Date()));
    for (const to of [replyTo(tk.id), SUPPORT]) {
      const res = await deliver({ from: client.email, to, subject: `Re: [#${tk.id}] ${tk.subject}`, text: 'Hello again.' });
      expect(res).toMatchObject({ ok: false, code: 550 });
      expect(res.response).toContain('5.7.1 This address can no longer write to support here');
    }
    expect(await messagesOf(tk.id)).toHaveLength(before);
    await expect(t.app.get(TicketsService).open(client.id, { subject: 'again', body: 'web', type: 'support' }, null)).rejects.toMatchObject({ kind: 'forbidden', code: 'tickets.account_closed' });
    // another client at a similar address is not affected
    const other = await createUser(t, { email: client.email.replace('@', '1@') });
    expect(await deliver({ from: other.email, to: SUPPORT, subject: `Hello ${++seq}`, text: 'A question.' })).toMatchObject({ ok: true });
  });

  it('a known client’s mail to the support address opens a ticket in their account', async () => {
    const hal = await createUser(t, { name: 'Hal' });
    const subject = `Invoice please ${++seq}`;
    expect(await deliver({ from: hal.email, to: SUPPORT, subject, text: 'For my company.' })).toMatchObject({ ok: true });
    const tk = await t.db.manager.findOneByOrFail(Ticket, { subject });
    expect(tk).toMatchObject({ clientId: hal.id, externalEmail: null, type: 'support' });
    expect((await outboxFor(t, hal.email)).map((m) => headersOf(m)['Auto-Submitted'])).toEqual(['auto-replied']);
  });

  it('mail to a ticket closed longer than ticketReopenDays opens a new ticket linked to it', async () => {
    const { client, tk } = await clientWithTicket();
    await t.db.transaction((m) => m.update(Ticket, { id: tk.id }, { status: 'closed', closedAt: new Date() }));
    await ageTicket(t, tk.id, 30 * DAY);
    expect(await deliver({ from: client.email, to: replyTo(tk.id), subject: `Re: [#${tk.id}]`, text: 'It happened again.' })).toMatchObject({ ok: true });
    expect((await ticket(tk.id)).status).toBe('closed');
    const next = await t.db.manager.findOneByOrFail(Ticket, { previousTicketId: tk.id });
    expect(next).toMatchObject({ clientId: client.id, status: 'open', subject: tk.subject });
    expect((await messagesOf(next.id))[0]).toMatchObject({ kind: 'client', body: 'It happened again.', authorId: client.id });
    expect(await lastInbound()).toMatchObject({ outcome: 'ticket-reopened-as-new' });
    // within the window it reopens the same ticket instead
    await t.db.transaction((m) => m.update(Ticket, { id: next.id }, { status: 'closed', closedAt: new Date(Date.now() - 2 * DAY) }));
    expect(await deliver({ from: client.email, to: replyTo(next.id), subject: 'Re: again', text: 'And again.' })).toMatchObject({ ok: true });
    expect((await ticket(next.id)).status).toBe('waiting_for_staff');
  });

  it('stores a mailed attachment and an inline cid: image like uploads, downloadable by that client only; an oversized part is dropped with a line', async () => {
    const { client, tk } = await clientWithTicket();
    const png = pngBytes(4, 4);
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(500, 0x20)]);
    const res = await deliver({
      from: client.email,
      to: replyTo(tk.id),
      subject: 'Re: screenshots',
      text: 'See the picture: [cid:shot1@client]\nand the invoice.',
      html: '<p>See the picture: <img src="cid:shot1@client" alt="x"></p><p>and the invoice.</p>',
      attachments: [
        { filename: 'screen.png', content: png, cid: 'shot1@client', contentType: 'image/png' },
        { filename: 'invoice.pdf', content: pdf, contentType: 'application/pdf' },
        { filename: 'huge.bin', content: Buffer.alloc(MAX_FILE + 1, 7), contentType: 'application/octet-stream' },
      ],
    });
    expect(res).toMatchObject({ ok: true });
    const msgs = await messagesOf(tk.id);
    const msg = msgs.find((m) => m.body.includes('See the picture'))!;
    expect(msg.body).toContain('[image: screen.png]');
    expect(msg.body).not.toContain('cid:');
    const files = await t.db.manager.find(TicketAttachment, { where: { messageId: msg.id }, order: { id: 'ASC' } });
    expect(files.map((f) => [f.originalName, f.contentType, f.sizeBytes])).toEqual([
      ['screen.png', 'image/png', png.length],
      ['invoice.pdf', 'application/pdf', pdf.length],
    ]);
    expect(msgs[msgs.length - 1]).toMatchObject({ kind: 'system' });
    expect(msgs[msgs.length - 1].body).toMatch(/^tickets_inbound\.system\.file_too_big\|huge\.bin\|/);
    // staff are told which files came (never attached to their mail)
    const told = (await outboxFor(t, NOTIFY)).find((m) => m.messageId === msg.messageId)!;
    expect(told.text).toContain('Attached on the ticket page: screen.png, invoice.pdf');

    const a = await loginAgent(t, client.email, client.password);
    const dl = await a.get(`/account/tickets/files/${files[0].id}`).expect(200);
    expect(dl.headers['content-type']).toBe('image/png');
    expect(dl.headers['content-disposition']).toContain('attachment');
    expect(Buffer.compare(dl.body as Buffer, png)).toBe(0);
    const page = await a.get(`/account/tickets/${tk.id}`).expect(200);
    expect(page.text).toContain('“huge.bin”');
    const other = await createUser(t);
    const b = await loginAgent(t, other.email, other.password);
    await b.get(`/account/tickets/files/${files[0].id}`).expect(404);
    await b.get(`/account/tickets/files/${files[1].id}`).expect(404);
    // nothing left behind but the stored files
    expect(fs.readdirSync(t.config.filesDir).filter((f) => f.startsWith('.upload-'))).toEqual([]);
  });

  it('the support inbox is a setting: another name takes the mail, the listener’s own names are refused', async () => {
    const settings = t.app.get(SettingsService);
    for (const bad of ['reply', 'bounce', 'unsubscribe', 'Help Desk', 'help@x.test', '']) {
      await expect(settings.update(FACTORY_ACTOR, { supportInboxAddress: bad })).rejects.toMatchObject({ fields: { supportInboxAddress: expect.any(String) } });
    }
    await settings.update(FACTORY_ACTOR, { supportInboxAddress: 'help' });
    try {
      const from = `ivan.${++seq}@example.org`;
      expect(await deliver({ from, to: `help@${DOMAIN}`, subject: `Help ${seq}`, text: 'Hi' })).toMatchObject({ ok: true });
      expect(await t.db.manager.countBy(Ticket, { externalEmail: from })).toBe(1);
      expect(await deliver({ from, to: SUPPORT, subject: 'x', text: 'x' })).toMatchObject({ ok: false, code: 550 });
    } finally {
      await settings.update(FACTORY_ACTOR, { supportInboxAddress: 'support' });
    }
  });

  it('XSS in a mailed subject, body and file name is inert on the staff and client pages', async () => {
    const sender = `mallory.${++seq}@evil.test`;
    const res = await deliver({
      from: `"<img src=x onerror=alert(1)>" <${sender}>`,
      to: SUPPORT,
      subject: `<script>alert("subject")</script> ${seq}`,
      text: '<img src=x onerror=alert("body")> hi',
      html: '<p><img src=x onerror=alert("body")> hi</p><script>alert("html")</script>',
      attachments: [{ filename: '"><svg onload=alert(1)>.png', content: pngBytes(2, 2), contentType: 'image/png' }],
    });
    expect(res).toMatchObject({ ok: true });
    const tk = await t.db.manager.findOneByOrFail(Ticket, { externalEmail: sender });
    const a = await loginAgent(t, staff.email, staff.password);
    for (const url of [`/admin/tickets/${tk.id}`, '/admin/tickets']) {
      const html = (await a.get(url).expect(200)).text;
      expect(html).not.toMatch(/<script>alert|<img src=x|<svg onload/);
      if (url !== '/admin/tickets') {
        expect(html).toContain('&lt;script&gt;alert');
        expect(html).toContain('&lt;img src=x onerror=alert(');
        expect(html).toContain('&lt;svg onload=alert(1)&gt;.png');
      }
    }
    const mallory = await createUser(t, { email: `mallory.account.${seq}@example.com` });
    await formPost(a, `/admin/tickets/${tk.id}`, `/admin/tickets/${tk.id}/link`, { linkEmail: mallory.email });
    const m = await loginAgent(t, mallory.email, mallory.password);
    for (const url of [`/account/tickets/${tk.id}`, '/account/tickets']) {
      const html = (await m.get(url).expect(200)).text;
      expect(html).not.toMatch(/<script>alert|<img src=x|<svg onload/);
      expect(html).toContain('&lt;script&gt;alert');
    }
  });
});
