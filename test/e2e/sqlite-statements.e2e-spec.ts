import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { OutboxRepository } from '../../src/mail/outbox.repository';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { Ticket, TicketAttachment, TicketMessage } from '../../src/support/entities/ticket.entity';
import { TicketsRepository } from '../../src/support/tickets.repository';
import { User } from '../../src/users/entities/user.entity';
import { UsersRepository } from '../../src/users/users.repository';
import { createTicket } from '../factories/tickets';
import { createUser } from '../factories/users';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * The inbound ticket mail's statements run as prepared statements on SQLite (src/database/sqlite-statements.ts) and
 * as TypeORM calls on MySQL/MariaDB. Both must read the same entities and write the same rows: on each engine, what
 * the repository reads equals what TypeORM reads, and a row the repository writes equals, column by column as
 * stored, the row TypeORM writes from the same values.
 */
describe('ticket mail statements: the same entities and rows as TypeORM', () => {
  let t: TestApp;
  let tickets: TicketsRepository;
  let clientId: number;

  beforeAll(async () => {
    t = await startTestApp();
    tickets = t.app.get(TicketsRepository);
    clientId = (await createUser(t, { locale: 'ru' })).id;
  });
  afterAll(() => t.close());

  /** The stored row as the driver returns it (dates as stored), without the columns named. */
  const raw = async (m: EntityManager, table: string, id: number, without: string[] = ['id']) => {
    const [row] = (await m.query(`SELECT * FROM ${table} WHERE id = ?`, [id])) as Record<string, unknown>[];
    return Object.fromEntries(Object.entries(row).filter(([k]) => !without.includes(k)));
  };

  it('on SQLite a statement runs on the connection of the manager it is given: the reader for db.manager, the writer inside a unit of work, none outside one', async () => {
    if (t.db.isMysql) {
      expect(t.db.sqliteHandleOf(t.db.manager)).toBeNull();
      await t.db.transaction(async (m) => expect(t.db.sqliteHandleOf(m)).toBeNull());
      return;
    }
    expect(t.db.sqliteHandleOf(t.db.manager)).toBe(t.db.sqliteReader);
    let inside: unknown = null;
    await t.db.transaction(async (m) => {
      inside = t.db.sqliteHandleOf(m);
    });
    expect(inside).not.toBeNull();
    expect(inside).not.toBe(t.db.sqliteReader);
  });

  it('findTicket reads the entity TypeORM reads (dates, nulls, numbers), outside and inside a unit of work; ticketExists agrees', async () => {
    const made = await createTicket(t, clientId, { subject: 'Прописи: "кавычки" и \\ обратная черта' });
    await t.db.transaction((m) => m.update(Ticket, { id: made.id }, { waitingSince: new Date('2026-03-04T05:06:07.089Z'), closedAt: null, firstResponseSeconds: 42 }));
    const typeorm = await t.db.manager.findOneByOrFail(Ticket, { id: made.id });
    const ours = await tickets.findTicket(made.id);
    expect(ours).toBeInstanceOf(Ticket);
    expect(ours).toEqual(typeorm);
    expect(ours!.waitingSince!.toISOString()).toBe('2026-03-04T05:06:07.089Z');
    await t.db.transaction(async (m) => expect(await tickets.findTicket(made.id, m)).toEqual(await m.findOneByOrFail(Ticket, { id: made.id })));
    expect(await tickets.findTicket(made.id + 100_000)).toBeNull();
    expect(await tickets.ticketExists(made.id)).toBe(true);
    expect(await tickets.ticketExists(made.id + 100_000)).toBe(false);
  });

  it('insertMessage, insertAttachment and updateTicket store what TypeORM stores from the same values; the returned entities are the stored ones', async () => {
    const a = await createTicket(t, clientId);
    const b = await createTicket(t, clientId);
    const at = new Date('2026-05-06T07:08:09.123Z');
    const message = (ticketId: number) => ({
      ticketId,
      authorId: null,
      authorEmail: 'someone@example.net',
      kind: 'client' as const,
      body: 'Ответ\n> с цитатой',
      minutes: null,
      messageId: `<${randomUUID()}@kabinet.test>`,
      inReplyTo: null,
      createdAt: at,
    });
    const ids = await t.db.transaction(async (m) => {
      const mine = await tickets.insertMessage(m, message(a.id));
      const theirs = await m.save(TicketMessage, m.create(TicketMessage, { inboundId: null, ...message(b.id) }));
      const file = { originalName: 'счёт.pdf', sizeBytes: 20_480, contentType: 'application/pdf', sha256: 'f'.repeat(64), createdAt: at };
      const myFile = await tickets.insertAttachment(m, { ticketId: a.id, messageId: mine.id, storageKey: randomUUID(), ...file });
      const theirFile = await m.save(TicketAttachment, m.create(TicketAttachment, { ticketId: b.id, messageId: theirs.id, storageKey: randomUUID(), ...file }));
      const patch = { status: 'waiting_for_staff' as const, lastActivityAt: at, waitingSince: at, closedAt: null };
      await tickets.updateTicket(m, a.id, patch);
      await m.update(Ticket, { id: b.id }, { ...patch, resolutionSeconds: null });
      expect(mine).toEqual(await m.findOneByOrFail(TicketMessage, { id: mine.id }));
      expect(myFile).toEqual(await m.findOneByOrFail(TicketAttachment, { id: myFile.id }));
      return { mine: mine.id, theirs: theirs.id, myFile: myFile.id, theirFile: theirFile.id };
    });
    const m = t.db.manager;
    expect(await raw(m, 'ticket_messages', ids.mine, ['id', 'ticket_id', 'message_id'])).toEqual(await raw(m, 'ticket_messages', ids.theirs, ['id', 'ticket_id', 'message_id']));
    const fileCols = ['id', 'ticket_id', 'message_id', 'storage_key'];
    expect(await raw(m, 'ticket_attachments', ids.myFile, fileCols)).toEqual(await raw(m, 'ticket_attachments', ids.theirFile, fileCols));
    const ticketCols = ['id', 'subject', 'created_at'];
    expect(await raw(m, 'tickets', a.id, ticketCols)).toEqual(await raw(m, 'tickets', b.id, ticketCols));
    expect(await tickets.hasInboundMessage(ids.mine)).toBe(false);
  });

  it('threadEnds, countAttachments and hasInboundMessage answer as the TypeORM queries do', async () => {
    const tk = await createTicket(t, clientId);
    const thread = await t.db.manager.find(TicketMessage, { where: { ticketId: tk.id }, order: { id: 'ASC' } });
    await t.db.transaction(async (m) => {
      await tickets.insertMessage(m, { ticketId: tk.id, authorId: null, authorEmail: null, kind: 'internal_note', body: 'note', minutes: 1, messageId: '<note@kabinet.test>', inReplyTo: null, createdAt: new Date() });
      const ends = await tickets.threadEnds(m, tk.id);
      const mailed = thread.filter((x) => x.kind === 'client' || x.kind === 'staff_reply');
      expect(ends).toEqual({ first: mailed[0].messageId, last: mailed[mailed.length - 1].messageId });
      expect(await tickets.threadEnds(m, tk.id + 100_000)).toEqual({ first: null, last: null });
      const msg = await tickets.insertMessage(m, { ticketId: tk.id, authorId: clientId, authorEmail: null, kind: 'client', body: 'by mail', minutes: null, messageId: '<in@kabinet.test>', inReplyTo: null, createdAt: new Date(), inboundId: 987_654 });
      expect(msg.inboundId).toBe(987_654);
    });
    expect(await tickets.hasInboundMessage(987_654)).toBe(true);
    expect(await tickets.countAttachments(tk.id)).toBe(await t.db.manager.countBy(TicketAttachment, { ticketId: tk.id }));
  });

  it('users.findById reads the entity TypeORM reads', async () => {
    const u = await createUser(t, { locale: 'en' });
    const users = t.app.get(UsersRepository);
    expect(await users.findById(u.id)).toEqual(await t.db.manager.findOneByOrFail(User, { id: u.id }));
    await t.db.transaction(async (m) => expect(await users.findById(u.id, m)).toEqual(await m.findOneByOrFail(User, { id: u.id })));
    expect(await users.findById(u.id + 100_000)).toBeNull();
  });

  it('the outbox insert stores what the query builder stores, and a repeated idempotency key still queues nothing', async () => {
    const outbox = t.app.get(OutboxRepository);
    const msg = (key: string) => ({
      messageId: `<${randomUUID()}@kabinet.test>`,
      idempotencyKey: key,
      mailClass: 'transactional' as const,
      template: 'ticket',
      locale: 'ru',
      from: 'School <school@kabinet.test>',
      to: 'client@example.net',
      subject: 'Тема',
      html: '<p>Привет</p>',
      text: 'Привет',
      headers: '{"Auto-Submitted":"auto-generated"}',
    });
    const key = `test:${randomUUID()}`;
    expect(await t.db.transaction((m) => outbox.insert(m, msg(key)))).toBe(true);
    expect(await t.db.transaction((m) => outbox.insert(m, msg(key)))).toBe(false);
    const theirs = `test:${randomUUID()}`;
    await t.db.transaction((m) => m.createQueryBuilder().insert().into(OutboxMessage).values({ ...msg(theirs), status: 'pending', attempts: 0, nextAttemptAt: new Date(), claimToken: null, claimedAt: null, lastError: null, sentAt: null, createdAt: new Date() }).execute());
    const mine = await t.db.manager.findOneByOrFail(OutboxMessage, { idempotencyKey: key });
    const other = await t.db.manager.findOneByOrFail(OutboxMessage, { idempotencyKey: theirs });
    const volatile = ['id', 'message_id', 'idempotency_key', 'next_attempt_at', 'created_at'];
    expect(await raw(t.db.manager, 'outbox', mine.id, volatile)).toEqual(await raw(t.db.manager, 'outbox', other.id, volatile));
    expect(mine.createdAt).toBeInstanceOf(Date);
  });
});
