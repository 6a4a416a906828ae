import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { ConsentEvent } from '../../src/mailing/subscribers/entities/consent-event.entity';
import { MailingList } from '../../src/mailing/lists/entities/mailing-list.entity';
import { Subscriber } from '../../src/mailing/subscribers/entities/subscriber.entity';
import { MailingImportService } from '../../src/mailing/import/mailing-import.service';
import { createList, createSubscriber, subscriptionStatus } from '../factories/mailing';
import { FACTORY_ACTOR } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const tag = () => randomBytes(4).toString('hex');

describe('mailing admin: lists, subscribers, consent record, export', () => {
  let t: TestApp;
  let staff: Agent;
  let staffId: number;
  beforeAll(async () => {
    t = await startTestApp();
    const s = await createUser(t, { role: 'staff' });
    staffId = s.id;
    staff = await loginAgent(t, s.email, s.password);
  });
  afterAll(() => t.close());

  const statusOf = (subscriberId: number, listId: number) => subscriptionStatus(t, subscriberId, listId);

  it('is for staff only', async () => {
    const client = await createUser(t);
    const c = await loginAgent(t, client.email, client.password);
    for (const url of ['/admin/mailing/lists', '/admin/mailing/subscribers', '/admin/mailing/import']) {
      expect((await c.get(url)).status).toBe(403);
    }
    const anon = await (await import('supertest')).default(t.http).get('/admin/mailing/lists');
    expect(anon.status).toBe(303);
  });

  it('creates, edits, archives and restores a list; counts per status; embeddable form for public lists; audited', async () => {
    const name = `Weekly ${tag()}`;
    const bad = await formPost(staff, '/admin/mailing/lists', '/admin/mailing/lists', { name: '  ', optIn: 'double' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Required.');
    const wrongMode = await formPost(staff, '/admin/mailing/lists', '/admin/mailing/lists', { name, optIn: 'triple' });
    expect(wrongMode.status).toBe(400);
    expect(wrongMode.text).toContain('Choose single or double opt-in.');

    const created = await formPost(staff, '/admin/mailing/lists', '/admin/mailing/lists', { name, description: 'Every Monday', optIn: 'single' });
    expect(created.status).toBe(303);
    const id = Number(/\/admin\/mailing\/lists\/(\d+)/.exec(created.headers.location)![1]);
    let list = await t.db.manager.findOneByOrFail(MailingList, { id });
    expect(list).toMatchObject({ name, description: 'Every Monday', optIn: 'single', isPublic: false, archivedAt: null });
    expect(list.listKey).toMatch(/^weekly-[0-9a-f]+-[0-9a-f]{8}$/);

    let page = await staff.get(`/admin/mailing/lists/${id}`).expect(200);
    expect(page.text).toContain('Only a public, active list can be embedded.');

    expect((await formPost(staff, `/admin/mailing/lists/${id}`, `/admin/mailing/lists/${id}`, { name, description: '', isPublic: 'on', optIn: 'double' })).status).toBe(303);
    list = await t.db.manager.findOneByOrFail(MailingList, { id });
    expect(list).toMatchObject({ isPublic: true, optIn: 'double', description: null });

    await createSubscriber(t, { lists: [id] });
    await createSubscriber(t, { lists: [id] });
    await createSubscriber(t, { lists: [{ listId: id, status: 'unconfirmed' }] });
    await createSubscriber(t, { lists: [{ listId: id, status: 'unsubscribed' }] });
    page = await staff.get(`/admin/mailing/lists/${id}`).expect(200);
    expect(page.text).toMatch(/data-count="confirmed">2</);
    expect(page.text).toMatch(/data-count="unconfirmed">1</);
    expect(page.text).toMatch(/data-count="unsubscribed">1</);
    const snippet = /<textarea[^>]*data-test="embed-snippet"[^>]*>([\s\S]*?)<\/textarea>/.exec(page.text)![1];
    const html = snippet.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    expect(html).toContain('<form method="post" action="http://kabinet.test/subscribe"');
    expect(html).toContain(`<input type="hidden" name="lists" value="${id}">`);
    expect(html).toContain('name="consent"');
    expect(html).toContain('name="website"');
    expect(html).not.toContain('_csrf');
    const overview = await staff.get('/admin/mailing/lists').expect(200);
    expect(overview.text).toContain(name);
    expect(overview.text).toMatch(new RegExp(`data-list="${id}"[\\s\\S]*?data-count="confirmed"><a [^>]+>2<`));

    expect((await formPost(staff, `/admin/mailing/lists/${id}`, `/admin/mailing/lists/${id}/archive`, {})).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(MailingList, { id })).archivedAt).not.toBeNull();
    expect((await staff.get('/subscribe')).text).not.toContain(name);
    expect((await formPost(staff, `/admin/mailing/lists/${id}`, `/admin/mailing/lists/${id}/unarchive`, {})).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(MailingList, { id })).archivedAt).toBeNull();

    const audit = await t.db.manager.find(AuditEntry, { where: { subjectType: 'mailing_list', subjectId: String(id) }, order: { id: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual(['mailing_list.create', 'mailing_list.update', 'mailing_list.archive', 'mailing_list.unarchive']);
    expect(audit[0].actorUserId).toBe(staffId);
  });

  it('searches subscribers by email or name, list, status and suppression, with the shared pager', async () => {
    const k = tag();
    const a = await createList(t);
    const b = await createList(t);
    const ann = await createSubscriber(t, { email: `ann-${k}@example.com`, name: `Ann ${k}`, lists: [a.id] });
    const bob = await createSubscriber(t, { email: `bob-${k}@example.com`, name: 'Bob', lists: [{ listId: a.id, status: 'unsubscribed' }, b.id] });
    const cat = await createSubscriber(t, { email: `cat-${k}@example.com`, name: 'Cat', lists: [b.id], suppressed: 'bounced' });
    const emails = async (qs: string) => {
      const res = await staff.get(`/admin/mailing/subscribers?${qs}`).expect(200);
      return [...res.text.matchAll(/<a href="\/admin\/mailing\/subscribers\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]).sort();
    };
    expect(await emails(`q=${k}`)).toEqual([ann.email, bob.email, cat.email]);
    expect(await emails(`q=${encodeURIComponent(`ann ${k}`)}`)).toEqual([ann.email]);
    expect(await emails(`list=${a.id}`)).toEqual([ann.email, bob.email]);
    expect(await emails(`list=${a.id}&status=confirmed`)).toEqual([ann.email]);
    expect(await emails(`q=${k}&status=unsubscribed`)).toEqual([bob.email]);
    expect(await emails(`q=${k}&suppressed=yes`)).toEqual([cat.email]);
    expect(await emails(`q=${k}&suppressed=no`)).toEqual([ann.email, bob.email]);
    expect(await emails('q=%25')).toEqual([]);
    const paged = await staff.get(`/admin/mailing/subscribers?q=${k}&limit=2`).expect(200);
    expect(paged.text).toContain('offset=2');
    expect((await staff.get('/admin/mailing/subscribers?limit=0')).status).toBe(400);
  });

  it('subscriber page: add, remove, suppress and lift, all through the consent rules with source admin, audited', async () => {
    const list = await createList(t, { name: `Promo ${tag()}`, optIn: 'double' });
    const other = await createList(t, { name: `Other ${tag()}` });
    const s = await createSubscriber(t, { lists: [other.id] });
    const url = `/admin/mailing/subscribers/${s.id}`;
    let page = await staff.get(url).expect(200);
    expect(page.text).toContain(other.name);
    expect(page.text).toContain('Receives marketing mail');

    // Staff add straight to confirmed, even on a double opt-in list: they vouch for the consent.
    let res = await formPost(staff, url, `${url}/lists`, { listId: String(list.id) });
    expect(res.headers.location).toBe(`${url}?done=subscribed#lists`);
    expect(await statusOf(s.id, list.id)).toBe('confirmed');

    res = await formPost(staff, url, `${url}/lists/${list.id}/remove`, {});
    expect(res.status).toBe(303);
    expect(await statusOf(s.id, list.id)).toBe('unsubscribed');

    // Removed (as if the person unsubscribed): staff cannot put them back.
    res = await formPost(staff, url, `${url}/lists`, { listId: String(list.id) });
    expect(res.headers.location).toBe(`${url}?done=kept_unsubscribed#lists`);
    expect(await statusOf(s.id, list.id)).toBe('unsubscribed');
    page = await staff.get(res.headers.location).expect(200);
    expect(page.text).toContain('must opt in again themselves');

    const noReason = await formPost(staff, url, `${url}/suppress`, { reason: 'whatever' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toContain('Choose a reason.');
    expect((await formPost(staff, url, `${url}/suppress`, { reason: 'banned', note: 'abusive replies' })).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Subscriber, { id: s.id })).suppressedReason).toBe('banned');

    // Suppression beats membership: adding to a list does nothing while suppressed.
    const third = await createList(t);
    res = await formPost(staff, url, `${url}/lists`, { listId: String(third.id) });
    expect(res.headers.location).toBe(`${url}?done=suppressed#lists`);
    expect(await statusOf(s.id, third.id)).toBeUndefined();

    expect((await formPost(staff, url, `${url}/unsuppress`, { note: 'apologised' })).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Subscriber, { id: s.id })).suppressedReason).toBeNull();
    expect(await statusOf(s.id, list.id)).toBe('unsubscribed');

    const events = await t.db.manager.find(ConsentEvent, { where: { subscriberId: s.id }, order: { id: 'ASC' } });
    const mine = events.filter((e) => e.source === 'admin' && e.actorUserId === staffId);
    expect(mine.map((e) => [e.action, e.listId])).toEqual([
      ['subscribed', list.id],
      ['unsubscribed', list.id],
      ['suppressed', null],
      ['unsuppressed', null],
    ]);
    expect(mine[2].detail).toBe('banned: abusive replies');

    page = await staff.get(url).expect(200);
    const history = [...page.text.matchAll(/data-test="consent" data-action="([a-z]+)" data-source="([a-z-]+)"/g)].map((m) => `${m[1]}/${m[2]}`);
    expect(history.slice(0, 4)).toEqual(['unsuppressed/admin', 'suppressed/admin', 'unsubscribed/admin', 'subscribed/admin']);
    expect(page.text).toContain('abusive replies');
    expect(page.text).toMatch(/<td>staff-[0-9a-f]+@example.com<\/td>/);

    const audit = await t.db.manager.find(AuditEntry, { where: { subjectType: 'subscriber', subjectId: String(s.id) }, order: { id: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual([
      'subscriber.add_to_list',
      'subscriber.remove_from_list',
      'subscriber.add_to_list',
      'subscriber.suppress',
      'subscriber.add_to_list',
      'subscriber.unsuppress',
    ]);
  });

  it('exports a list and a search result as CSV, streamed, in the shape the import reads', async () => {
    const list = await createList(t, { name: `Export ${tag()}` });
    const k = tag();
    // More rows than one batch of the export's walk through the table, put in by the import.
    const file = path.join(t.testDb.dir, `export-${k}.csv`);
    fs.writeFileSync(file, ['email,name', ...Array.from({ length: 1200 }, (_, i) => `e${i}-${k}@example.com,N${i}`)].join('\n'));
    await t.app.get(MailingImportService).importFile(FACTORY_ACTOR, file, { mode: 'subscribe', listId: list.id, dryRun: false });
    for (let i = 0; i < 3; i++) await createSubscriber(t, { email: `u${i}-${k}@example.com`, lists: [{ listId: list.id, status: 'unsubscribed' }] });
    await createSubscriber(t, { email: `f-${k}@example.com`, name: '=HYPERLINK("x")', lists: [list.id] });
    const res = await staff.get(`/admin/mailing/lists/${list.id}/export.csv`).buffer(true).parse((r, cb) => {
      let data = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (data += c));
      r.on('end', () => cb(null, data));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="list-\d+-\d{4}-\d\d-\d\d\.csv"$/);
    const records: Record<string, string>[] = parse(res.body as string, { columns: true });
    expect(Object.keys(records[0])).toEqual(['email', 'name', 'locale', 'status', 'suppressed', 'since']);
    expect(records).toHaveLength(1204);
    expect(records.filter((r) => r.status === 'unsubscribed')).toHaveLength(3);
    expect(records.find((r) => r.email === `e7-${k}@example.com`)!.name).toBe('N7');
    expect(records.find((r) => r.email === `f-${k}@example.com`)!.name).toBe(`'=HYPERLINK("x")`);

    const confirmed = await staff.get(`/admin/mailing/lists/${list.id}/export.csv?status=confirmed`).buffer(true).parse((r, cb) => {
      let data = '';
      r.on('data', (c: Buffer) => (data += c.toString()));
      r.on('end', () => cb(null, data));
    });
    expect(parse(confirmed.body as string, { columns: true })).toHaveLength(1201);

    const search = await staff.get(`/admin/mailing/subscribers/export.csv?q=e1${encodeURIComponent('0')}-${k}`).buffer(true).parse((r, cb) => {
      let data = '';
      r.on('data', (c: Buffer) => (data += c.toString()));
      r.on('end', () => cb(null, data));
    });
    const found: Record<string, string>[] = parse(search.body as string, { columns: true });
    expect(found.map((r) => r.email)).toEqual([`e10-${k}@example.com`]);
    expect(found[0].lists).toBe(`${list.name}:confirmed`);

    expect(await t.db.manager.countBy(AuditEntry, { action: 'mailing.export' })).toBe(3);
  });
});
