import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { ClientNote } from '../../src/clients/entities/client-note.entity';
import { GrantEvent } from '../../src/members/access/entities/grant-event.entity';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { Order } from '../../src/members/orders/entities/order.entity';
import { User } from '../../src/users/entities/user.entity';
import { createProduct, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const DAY = 86400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
const tag = () => randomBytes(4).toString('hex');

describe('clients admin: list, client page, manual access', () => {
  let t: TestApp;
  let staff: Agent;
  beforeAll(async () => {
    t = await startTestApp();
    const s = await createUser(t, { role: 'staff' });
    staff = await loginAgent(t, s.email, s.password);
  });
  afterAll(() => t.close());

  it('lists clients with search and product, access and label filters', async () => {
    const k = tag();
    const p1 = await createProduct(t, { title: `Course A ${k}` });
    const p2 = await createProduct(t, { title: `Course B ${k}` });
    const alice = await createUser(t, { email: `alice-${k}@example.com`, name: `Alice Smith ${k}` });
    const bob = await createUser(t, { email: `bob-${k}@example.com`, name: 'Bob' });
    const carol = await createUser(t, { email: `carol-${k}@example.com`, name: `Карина ${k}` });
    await grantAccess(t, alice.id, p1.id, { endsAt: new Date(Date.now() + 30 * DAY) });
    await grantAccess(t, bob.id, p1.id, { startsAt: new Date(Date.now() - 60 * DAY), endsAt: new Date(Date.now() - 30 * DAY) });
    await grantAccess(t, carol.id, p2.id);
    const revoked = await grantAccess(t, carol.id, p1.id);
    await t.db.write((m) => m.update(Grant, { id: revoked.id }, { revokedAt: new Date() }));
    expect((await formPost(staff, `/admin/clients/${alice.id}`, `/admin/clients/${alice.id}/labels`, { label: `VIP ${k}` })).status).toBe(303);

    const emails = async (qs: string) => {
      const res = await staff.get(`/admin/clients?${qs}`).expect(200);
      return [...res.text.matchAll(/<a href="\/admin\/clients\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]).sort();
    };
    expect(await emails(`q=ALICE-${k}`)).toEqual([alice.email]);
    expect(await emails(`q=${encodeURIComponent(`smith ${k}`)}`)).toEqual([alice.email]);
    expect(await emails(`q=${encodeURIComponent(`Карина ${k}`)}`)).toEqual([carol.email]);
    expect(await emails(`product=${p1.id}`)).toEqual([alice.email, bob.email, carol.email].sort());
    expect(await emails(`product=${p1.id}&status=active`)).toEqual([alice.email]);
    expect(await emails(`product=${p1.id}&status=expired`)).toEqual([bob.email, carol.email].sort());
    expect(await emails(`q=${k}&status=active`)).toEqual([alice.email, carol.email].sort());
    expect(await emails(`q=${k}&status=expired`)).toEqual([bob.email]);
    const labelId = /<option value="(\d+)"\s*>VIP /.exec((await staff.get('/admin/clients')).text)![1];
    expect(await emails(`label=${labelId}`)).toEqual([alice.email]);
    // a staff account is never listed as a client; wildcards are searched literally
    expect(await emails('q=staff-')).toEqual([]);
    expect(await emails('q=%25')).toEqual([]);

    const page = await staff.get(`/admin/clients?q=${k}&limit=2`).expect(200);
    expect(page.text).toContain(`offset=2`);
    expect((await staff.get('/admin/clients?limit=0')).status).toBe(400);
  });

  it('shows profile, grants with history, orders, notes and labels; notes never reach the client', async () => {
    const k = tag();
    const product = await createProduct(t, { title: `Yoga ${k}` });
    const client = await createUser(t, { name: `Client ${k}` });
    await grantAccess(t, client.id, product.id, { endsAt: new Date(Date.now() + 10 * DAY) });
    await t.db.write((m) =>
      m.insert(Order, {
        externalId: `ord-${k}`,
        clientId: client.id,
        productId: product.id,
        status: 'paid',
        amountMinor: 199000,
        currency: 'RUB',
        paidAt: new Date(),
        refundedAt: null,
        payload: null,
        createdAt: new Date(),
      }),
    );
    const first = await formPost(staff, `/admin/clients/${client.id}`, `/admin/clients/${client.id}/notes`, { body: `first note ${k}` });
    expect(first.status).toBe(303);
    expect((await formPost(staff, `/admin/clients/${client.id}`, `/admin/clients/${client.id}/notes`, { body: `second <b>note</b> ${k}` })).status).toBe(303);
    const empty = await formPost(staff, `/admin/clients/${client.id}`, `/admin/clients/${client.id}/notes`, { body: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Required.');
    expect((await formPost(staff, `/admin/clients/${client.id}`, `/admin/clients/${client.id}/labels`, { label: `new-label-${k}` })).status).toBe(303);
    expect((await formPost(staff, `/admin/clients/${client.id}`, `/admin/clients/${client.id}/labels`, { label: `gone-${k}` })).status).toBe(303);

    let page = await staff.get(`/admin/clients/${client.id}`).expect(200);
    expect(page.text).toContain(client.email);
    expect(page.text).toContain(`Yoga ${k}`);
    expect(page.text).toContain(`ord-${k}`);
    expect(page.text).toContain('1990.00 RUB');
    expect(page.text).toContain(`new-label-${k}`);
    expect(page.text).toContain('second &lt;b&gt;note&lt;/b&gt;');
    expect(page.text.indexOf(`second &lt;b&gt;note`)).toBeLessThan(page.text.indexOf(`first note ${k}`));
    const note = await t.db.manager.findOneByOrFail(ClientNote, { body: `first note ${k}` });
    expect(note.authorLabel).toMatch(/^staff-/);

    const gone = new RegExp(`action="(/admin/clients/${client.id}/labels/\\d+/remove)"[\\s\\S]{0,400}?Remove label gone-${k}`).exec(page.text)!;
    await staff.post(gone[1]).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    page = await staff.get(`/admin/clients/${client.id}`).expect(200);
    expect(page.text).not.toContain(`>gone-${k}<`);

    const own = await loginAgent(t, client.email, client.password);
    const account = await own.get('/account').expect(200);
    expect(account.text).not.toContain(`first note ${k}`);
    expect(account.text).not.toContain(`new-label-${k}`);
    expect((await own.get(`/admin/clients/${client.id}`)).status).toBe(403);
  });

  it('grants, extends and revokes access by hand: audited, with the history kept', async () => {
    const product = await createProduct(t);
    const client = await createUser(t);
    const url = `/admin/clients/${client.id}`;
    const noEnd = await formPost(staff, url, `${url}/grants`, { form: 'grant', productId: String(product.id), endsAt: '', reason: '' });
    expect(noEnd.status).toBe(400);
    expect(noEnd.text).toContain('Enter an end date');
    const past = await formPost(staff, url, `${url}/grants`, { form: 'grant', productId: String(product.id), endsAt: day(-3) });
    expect(past.status).toBe(400);
    expect(past.text).toContain('The date must be in the future.');
    const unknown = await formPost(staff, url, `${url}/grants`, { form: 'grant', productId: '99999', forever: 'on' });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('Choose an existing product.');

    const granted = await formPost(staff, url, `${url}/grants`, { productId: String(product.id), endsAt: day(10), reason: 'gift' });
    expect(granted.status).toBe(303);
    const g = await t.db.manager.findOneByOrFail(Grant, { clientId: client.id, productId: product.id });
    expect(g.source).toBe('manual');
    expect(g.endsAt!.toISOString().slice(0, 10)).toBe(day(11));

    expect((await formPost(staff, url, `${url}/grants/${g.id}/extend`, { endsAt: '', forever: 'on', reason: 'loyal' })).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(Grant, { id: g.id })).endsAt).toBeNull();

    const noReason = await formPost(staff, url, `${url}/grants/${g.id}/revoke`, { form: `revoke-${g.id}`, reason: ' ' });
    expect(noReason.status).toBe(400);
    expect(noReason.text).toMatch(/data-test="revoke-error">Give a reason\.</);
    expect((await t.db.manager.findOneByOrFail(Grant, { id: g.id })).revokedAt).toBeNull();
    expect((await formPost(staff, url, `${url}/grants/${g.id}/revoke`, { reason: 'chargeback' })).status).toBe(303);
    const after = await t.db.manager.findOneByOrFail(Grant, { id: g.id });
    expect(after.revokedAt).not.toBeNull();
    expect(after.reason).toBe('chargeback');

    const events = await t.db.manager.find(GrantEvent, { where: { grantId: g.id }, order: { id: 'ASC' } });
    expect(events.map((e) => [e.kind, e.reason])).toEqual([
      ['created', 'gift'],
      ['extended', 'loyal'],
      ['revoked', 'chargeback'],
    ]);
    const audit = await t.db.manager.find(AuditEntry, { where: { subjectType: 'client', subjectId: String(client.id) }, order: { id: 'ASC' } });
    expect(audit.map((a) => a.action)).toEqual(['grant.create', 'grant.extend', 'grant.revoke']);
    expect(audit.every((a) => a.actorLabel.startsWith('staff-'))).toBe(true);

    const page = await staff.get(url).expect(200);
    expect(page.text).toContain('revoked');
    expect(page.text).toContain('chargeback');
  });

  it('answers 404 for unknown clients, staff ids and another client\'s grant', async () => {
    const product = await createProduct(t);
    const a = await createUser(t);
    const b = await createUser(t);
    const bGrant = await grantAccess(t, b.id, product.id);
    const owner = await createUser(t, { role: 'owner' });
    expect((await staff.get('/admin/clients/99999999')).status).toBe(404);
    expect((await staff.get('/admin/clients/abc')).status).toBe(404);
    expect((await staff.get(`/admin/clients/${owner.id}`)).status).toBe(404);
    const res = await formPost(staff, `/admin/clients/${a.id}`, `/admin/clients/${a.id}/grants/${bGrant.id}/revoke`, { reason: 'x' });
    expect(res.status).toBe(404);
    expect((await t.db.manager.findOneByOrFail(Grant, { id: bGrant.id })).revokedAt).toBeNull();
  });

  it('is for staff only', async () => {
    expect((await request(t.http).get('/admin/clients')).status).toBe(303);
    const client = await createUser(t);
    const c = await loginAgent(t, client.email, client.password);
    expect((await c.get('/admin/clients')).status).toBe(403);
    expect((await c.get('/admin/clients/import')).status).toBe(403);
  });
});

describe('clients admin: CSV import', () => {
  let t: TestApp;
  let admin: Agent;
  let adminEmail: string;
  let slug: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_UPLOAD_BYTES: '4096' } });
    const a = await createUser(t, { role: 'admin' });
    adminEmail = a.email;
    admin = await loginAgent(t, a.email, a.password);
    slug = (await createProduct(t, { slug: `course-${tag()}` })).slug;
  });
  afterAll(() => t.close());

  /** As the form sends it (the checkbox before the file), or with the file first as other clients may. */
  async function upload(csv: string, dryRun: boolean, order: 'dryRunFirst' | 'fileFirst' = 'dryRunFirst') {
    const page = await admin.get('/admin/clients/import').expect(200);
    const token = csrfFrom(page.text);
    const req = admin.post(`/admin/clients/import`).field('_csrf', token);
    if (dryRun && order === 'dryRunFirst') req.field('dryRun', '1');
    req.attach('file', Buffer.from(csv), { filename: 'clients.csv', contentType: 'text/csv' });
    if (dryRun && order === 'fileFirst') req.field('dryRun', '1');
    return req;
  }

  const problems = (html: string) =>
    Object.fromEntries(
      [...html.matchAll(/data-test="problem-row" data-row="(\d+)"><td[^>]*>\d+<\/td><td[^>]*>[^<]*<\/td><td[^>]*>(.*?)<\/td><\/tr>/g)].map((m) => [
        Number(m[1]),
        [...m[2].matchAll(/data-problem="(\w+)"/g)].map((p) => p[1]),
      ]),
    );

  it('dry run lists every row\'s problem with its row number and writes nothing', async () => {
    const k = tag();
    const csv = [
      'email,name,product,expires',
      `ok-${k}@example.com,Ok,${slug},${day(30)}`,
      `not-an-email,Bad,${slug},`,
      `u-${k}@example.com,Unknown,no-such-product,`,
      `d-${k}@example.com,Date,${slug},31/12/2030`,
      `p-${k}@example.com,Past,${slug},2001-01-01`,
      `OK-${k}@example.com,Again,${slug},`,
      `,Both,nope,2030-02-30`,
      `${adminEmail},Staff,${slug},`,
      `semi-${k}@example.com,Smith; Jr,${slug},`,
    ].join('\n');
    const usersBefore = await t.db.manager.count(User);
    const grantsBefore = await t.db.manager.count(Grant);
    const auditBefore = await t.db.manager.count(AuditEntry);
    const res = await upload(csv, true);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Dry run result');
    expect(problems(res.text)).toEqual({
      3: ['bad_email'],
      4: ['unknown_product'],
      5: ['bad_date'],
      6: ['date_past'],
      7: ['duplicate'],
      8: ['bad_email', 'unknown_product', 'bad_date'],
      9: ['staff_email'],
    });
    expect(/data-test="rows">(\d+)</.exec(res.text)![1]).toBe('9');
    expect(/data-test="valid">(\d+)</.exec(res.text)![1]).toBe('2');
    expect(await t.db.manager.count(User)).toBe(usersBefore);
    expect(await t.db.manager.count(Grant)).toBe(grantsBefore);
    expect(await t.db.manager.count(AuditEntry)).toBe(auditBefore);
  });

  it('the dry-run box counts wherever it comes in the form, before or after the file', async () => {
    const k = tag();
    const csv = ['email,name,product,expires', `order-${k}@example.com,Order,${slug},`].join('\n');
    for (const order of ['dryRunFirst', 'fileFirst'] as const) {
      const res = await upload(csv, true, order);
      expect(res.status).toBe(200);
      expect(res.text).toContain('Dry run result');
      expect(/data-test="valid">(\d+)</.exec(res.text)![1]).toBe('1');
      expect(await t.db.manager.countBy(User, { email: `order-${k}@example.com` })).toBe(0);
    }
    expect(fs.readdirSync(t.config.filesDir).filter((n) => n.startsWith('.upload-'))).toEqual([]);
  });

  it('a real run creates clients and grants, extends shorter access, reports skipped rows and audits once', async () => {
    const k = tag();
    const existing = await createUser(t, { email: `old-${k}@example.com` });
    const product = await createProduct(t, { slug: `ext-${k}` });
    await grantAccess(t, existing.id, product.id, { endsAt: new Date(Date.now() + 2 * DAY) });
    const csv = [
      '\ufeffEmail;Name;Product;Expires',
      `new-${k}@example.com;Новый Клиент;${slug};`,
      `old-${k}@example.com;Old;ext-${k};${day(60)}`,
      `bad;x;${slug};`,
      `second-${k}@example.com;"Second, Person";ext-${k};${day(5)}`,
    ].join('\r\n');
    const res = await upload(csv, false);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Import finished');
    const num = (name: string) => new RegExp(`data-test="${name}">(\\d+)<`).exec(res.text)![1];
    expect([num('created-clients'), num('grants-created'), num('grants-extended'), num('skipped')]).toEqual(['2', '2', '1', '1']);
    expect(problems(res.text)).toEqual({ 4: ['bad_email'] });

    const created = await t.db.manager.findOneByOrFail(User, { email: `new-${k}@example.com` });
    expect(created.role).toBe('client');
    expect(created.passwordHash).toBeNull();
    expect(created.name).toBe('Новый Клиент');
    expect((await t.db.manager.findOneByOrFail(User, { email: `second-${k}@example.com` })).name).toBe('Second, Person');
    const g = await t.db.manager.findOneByOrFail(Grant, { clientId: created.id });
    expect(g.source).toBe('import');
    expect(g.endsAt).toBeNull();
    const extended = await t.db.manager.find(Grant, { where: { clientId: existing.id } });
    expect(extended).toHaveLength(1);
    expect(extended[0].endsAt!.toISOString().slice(0, 10)).toBe(day(61));

    const entries = await t.db.manager.findBy(AuditEntry, { action: 'clients.import' });
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0].summary)).toMatchObject({ rows: 4, createdClients: 2, grantsCreated: 2, grantsExtended: 1, skipped: 1 });

    // the same file again changes nothing
    const again = await upload(csv, false);
    expect(new RegExp('data-test="unchanged">(\\d+)<').exec(again.text)![1]).toBe('3');
    expect(await t.db.manager.countBy(Grant, { clientId: created.id })).toBe(1);
  });

  it('refuses a file without the header, without a file, and without the CSRF token', async () => {
    const noHeader = await upload(`a@example.com,A,${slug},\n`, true);
    expect(noHeader.status).toBe(400);
    expect(noHeader.text).toContain('The first row must name the columns');
    for (const empty of ['', 'email,name,product,expires\n']) {
      const res = await upload(empty, true);
      expect(res.status).toBe(400);
      expect(res.text).toContain('The file has no rows after the header.');
    }
    const page = await admin.get('/admin/clients/import');
    const noFile = await admin.post('/admin/clients/import').field('_csrf', csrfFrom(page.text)).field('dryRun', '1');
    expect(noFile.status).toBe(400);
    expect(noFile.text).toContain('Choose a CSV file.');
    const big = ['email,name,product,expires', ...Array.from({ length: 200 }, (_, i) => `big-${i}@example.com,Big,${slug},`)].join('\n');
    const tooLarge = await upload(big, true);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.text).toContain('The file is too large.');
    expect(fs.readdirSync(t.config.filesDir).filter((n) => n.startsWith('.upload-'))).toEqual([]);
    const noCsrf = await admin.post('/admin/clients/import').attach('file', Buffer.from('email,product\n'), 'x.csv');
    expect(noCsrf.status).toBe(403);
  });
});
