import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { ConsentEvent } from '../../src/mailing/subscribers/entities/consent-event.entity';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { Subscription } from '../../src/mailing/subscribers/entities/subscription.entity';
import { createList, createSubscriber } from '../factories/mailing';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');

describe('mailing CSV import', () => {
  let t: TestApp;
  let admin: Agent;
  let adminId: number;
  beforeAll(async () => {
    t = await startTestApp();
    const a = await createUser(t, { role: 'admin' });
    adminId = a.id;
    admin = await loginAgent(t, a.email, a.password);
  });
  afterAll(() => t.close());

  async function upload(csv: string | Buffer, fields: Record<string, string>) {
    const page = await admin.get('/admin/mailing/import').expect(200);
    const req = admin.post(`/admin/mailing/import`).field('_csrf', csrfFrom(page.text));
    for (const [k, v] of Object.entries(fields)) req.field(k, v);
    return req.attach('file', Buffer.isBuffer(csv) ? csv : Buffer.from(csv), { filename: 'subscribers.csv', contentType: 'text/csv' });
  }
  const num = (html: string, key: string) => Number(new RegExp(`data-test="${key}">(\\d+)<`).exec(html)![1]);
  const problems = (html: string) =>
    [...html.matchAll(/data-test="problem-row" data-line="(\d+)">[\s\S]*?<\/tr>/g)].map((m) => ({
      line: Number(m[1]),
      problems: [...m[0].matchAll(/data-problem="([a-z_]+)"/g)].map((p) => p[1]),
    }));
  const statusOf = async (email: string, listId: number) => {
    const s = await t.db.manager.findOneBy(Subscriber, { email });
    return s ? (await t.db.manager.findOneBy(Subscription, { subscriberId: s.id, listId }))?.status : undefined;
  };

  it('dry run lists every row with a problem, by line, and writes nothing', async () => {
    const list = await createList(t);
    const k = tag();
    const csv = [
      'email,name,locale',
      `ok-${k}@example.com,Ok,ru`,
      'not-an-email,Bad,',
      `long-${k}@example.com,${'x'.repeat(201)},`,
      `loc-${k}@example.com,Loc,de`,
      `OK-${k}@example.com,Again,`,
      '',
      `,Nobody,en`,
    ].join('\n');
    const before = { subs: await t.db.manager.count(Subscriber), events: await t.db.manager.count(ConsentEvent), audit: await t.db.manager.count(AuditEntry) };
    const res = await upload(csv, { mode: 'subscribe', listId: String(list.id), dryRun: '1' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Dry run: what would happen');
    expect(num(res.text, 'rows')).toBe(6);
    expect(num(res.text, 'valid')).toBe(1);
    expect(num(res.text, 'invalid')).toBe(5);
    expect(problems(res.text)).toEqual([
      { line: 3, problems: ['bad_email'] },
      { line: 4, problems: ['name_too_long'] },
      { line: 5, problems: ['bad_locale'] },
      { line: 6, problems: ['duplicate'] },
      { line: 8, problems: ['bad_email'] },
    ]);
    expect(res.text).toContain('the same email appears earlier in the file');
    expect(await t.db.manager.count(Subscriber)).toBe(before.subs);
    expect(await t.db.manager.count(ConsentEvent)).toBe(before.events);
    expect(await t.db.manager.count(AuditEntry)).toBe(before.audit);
    expect(fs.readdirSync(t.config.filesDir).filter((n) => n.startsWith('.upload-'))).toEqual([]);
  });

  it('subscribes to a list: new, already there, unsubscribed and suppressed people each get the right outcome', async () => {
    const list = await createList(t, { optIn: 'double' });
    const other = await createList(t);
    const k = tag();
    const already = await createSubscriber(t, { email: `already-${k}@example.com`, name: 'Had a name', lists: [list.id] });
    const left = await createSubscriber(t, { email: `left-${k}@example.com`, lists: [{ listId: list.id, status: 'unsubscribed' }] });
    const allOut = await createSubscriber(t, { email: `allout-${k}@example.com`, lists: [other.id], suppressed: 'unsubscribed' });
    const bounced = await createSubscriber(t, { email: `bounced-${k}@example.com`, suppressed: 'bounced' });
    const elsewhere = await createSubscriber(t, { email: `elsewhere-${k}@example.com`, name: '', lists: [other.id] });
    const client = await createUser(t, { email: `client-${k}@example.com`, name: 'Client Name', locale: 'ru' });
    // A semicolon file with a byte-order mark, as spreadsheets save it.
    const csv =
      '\ufeffEmail;Name;Locale\n' +
      [
        `new-${k}@example.com;New Person;en`,
        `${already.email};Other name;`,
        `${left.email};;`,
        `${allOut.email};;`,
        `${bounced.email};;`,
        `${elsewhere.email};Filled In;`,
        `${client.email};;`,
        'broken;;',
      ].join('\n');
    const res = await upload(csv, { mode: 'subscribe', listId: String(list.id) });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Import done');
    expect({
      rows: num(res.text, 'rows'),
      valid: num(res.text, 'valid'),
      created: num(res.text, 'created'),
      added: num(res.text, 'added'),
      already: num(res.text, 'already'),
      kept: num(res.text, 'kept_unsubscribed'),
      suppressed: num(res.text, 'suppressed'),
      invalid: num(res.text, 'invalid'),
    }).toEqual({ rows: 8, valid: 7, created: 2, added: 3, already: 1, kept: 2, suppressed: 1, invalid: 1 });
    expect(problems(res.text)).toEqual([{ line: 9, problems: ['bad_email'] }]);

    expect(await statusOf(`new-${k}@example.com`, list.id)).toBe('confirmed');
    expect(await statusOf(already.email, list.id)).toBe('confirmed');
    expect(await statusOf(left.email, list.id)).toBe('unsubscribed');
    expect(await statusOf(allOut.email, list.id)).toBeUndefined();
    expect(await statusOf(bounced.email, list.id)).toBeUndefined();
    expect(await statusOf(elsewhere.email, list.id)).toBe('confirmed');
    expect(await statusOf(client.email, list.id)).toBe('confirmed');

    const fresh = await t.db.manager.findOneByOrFail(Subscriber, { email: `new-${k}@example.com` });
    expect(fresh).toMatchObject({ name: 'New Person', locale: 'en', userId: null, suppressedReason: null });
    const linked = await t.db.manager.findOneByOrFail(Subscriber, { email: client.email });
    expect(linked).toMatchObject({ name: 'Client Name', locale: 'ru', userId: client.id });
    expect((await t.db.manager.findOneByOrFail(Subscriber, { id: already.id })).name).toBe('Had a name');
    expect((await t.db.manager.findOneByOrFail(Subscriber, { id: elsewhere.id })).name).toBe('Filled In');

    const events = await t.db.manager.find(ConsentEvent, { where: { subscriberId: fresh.id } });
    expect(events.map((e) => ({ action: e.action, source: e.source, listId: e.listId, actor: e.actorUserId }))).toEqual([
      { action: 'subscribed', source: 'import', listId: list.id, actor: adminId },
    ]);
    // No confirmation mail: an import asserts consent, it does not ask for it.
    const [{ n }] = await t.db.manager.query(`SELECT COUNT(*) AS n FROM outbox WHERE to_address LIKE '%-${k}@example.com'`);
    expect(Number(n)).toBe(0);

    const audit = await t.db.manager.findOneByOrFail(AuditEntry, { action: 'mailing.import', subjectId: String(list.id) });
    expect(JSON.parse(audit.summary)).toMatchObject({ mode: 'subscribe', rows: 8, created: 2, added: 3, already: 1, keptUnsubscribed: 2, suppressed: 1, invalid: 1 });

    // The same file again changes nothing.
    const again = await upload(csv, { mode: 'subscribe', listId: String(list.id) });
    expect(num(again.text, 'added')).toBe(0);
    expect(num(again.text, 'already')).toBe(4);
  });

  it('suppress mode: addresses known or not get no marketing mail, with the reason in the consent record', async () => {
    const list = await createList(t);
    const k = tag();
    const member = await createSubscriber(t, { email: `member-${k}@example.com`, lists: [list.id] });
    const done = await createSubscriber(t, { email: `done-${k}@example.com`, suppressed: 'complained' });
    const csv = ['email', member.email, `stranger-${k}@example.com`, done.email].join('\r\n');
    const res = await upload(csv, { mode: 'suppress', reason: 'complained', dryRun: '' });
    expect(res.status).toBe(200);
    expect({ created: num(res.text, 'created'), suppressed: num(res.text, 'suppressed'), already: num(res.text, 'already') }).toEqual({ created: 1, suppressed: 2, already: 1 });
    for (const email of [member.email, `stranger-${k}@example.com`, done.email]) {
      expect((await t.db.manager.findOneByOrFail(Subscriber, { email })).suppressedReason).toBe('complained');
    }
    // Membership stays; the suppression is what stops the mail.
    expect(await statusOf(member.email, list.id)).toBe('confirmed');
    const ev = await t.db.manager.findOneByOrFail(ConsentEvent, { subscriberId: member.id, action: 'suppressed' });
    expect(ev).toMatchObject({ source: 'import', actorUserId: adminId, detail: 'complained (CSV import)', listId: null });
  });

  it('refuses a missing file, a file without an email column, an unknown or archived list and an unknown reason', async () => {
    const list = await createList(t);
    const archived = await createList(t, { archived: true });
    const page = await admin.get('/admin/mailing/import').expect(200);
    const noFile = await admin.post(`/admin/mailing/import`).field('_csrf', csrfFrom(page.text)).field('mode', 'subscribe').field('listId', String(list.id));
    expect(noFile.status).toBe(400);
    expect(noFile.text).toContain('Choose a CSV file.');
    const header = await upload('mail,name\na@example.com,A', { mode: 'subscribe', listId: String(list.id) });
    expect(header.status).toBe(400);
    expect(header.text).toContain('The first line must name the columns, including email.');
    const empty = await upload('email,name\n', { mode: 'subscribe', listId: String(list.id) });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('The file has no rows.');
    for (const id of [String(archived.id), '999999', '']) {
      const res = await upload('email\na@example.com', { mode: 'subscribe', listId: id });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Choose an existing, active list.');
    }
    const reason = await upload('email\na@example.com', { mode: 'suppress', reason: 'annoying' });
    expect(reason.status).toBe(400);
    expect(reason.text).toContain('Choose a reason.');
    // The form comes back with the choices made.
    expect(reason.text).toMatch(/value="suppress" checked/);
    expect((await admin.get(`/admin/mailing/import?list=${list.id}`)).text).toMatch(new RegExp(`<option value="${list.id}" selected>`));
    expect(await t.db.manager.countBy(Subscriber, { email: 'a@example.com' })).toBe(0);
    expect(fs.readdirSync(t.config.filesDir).filter((n) => n.startsWith('.upload-'))).toEqual([]);
  });

  it('is not for clients', async () => {
    const client = await createUser(t);
    const c = await loginAgent(t, client.email, client.password);
    expect((await c.get('/admin/mailing/import')).status).toBe(403);
  });
});
