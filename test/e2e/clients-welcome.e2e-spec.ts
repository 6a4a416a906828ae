import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { Session } from '../../src/auth/entities/session.entity';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { GrantEvent } from '../../src/members/access/entities/grant-event.entity';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { User } from '../../src/users/entities/user.entity';
import { createProduct } from '../factories/members';
import { createUser } from '../factories/users';
import { linkIn, outboxFor } from '../utils/outbox';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const DAY = 86400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);
const tag = () => randomBytes(4).toString('hex');

/** Sets a password through a link from a mail in a fresh browser; returns the agent and the answer. */
async function setPassword(t: TestApp, link: string, password = 'my new long password') {
  const agent = request.agent(t.http);
  const page = await agent.get(link).expect(200);
  const res = await agent.post(link).type('form').send({ password, confirm: password, _csrf: csrfFrom(page.text) });
  return { agent, page, res };
}

describe('adding a client, the welcome mail, and set-password logging in', () => {
  let t: TestApp;
  let owner: Agent;
  beforeAll(async () => {
    t = await startTestApp();
    const o = await createUser(t, { role: 'owner' });
    owner = await loginAgent(t, o.email, o.password);
  });
  afterAll(() => t.close());

  it('the clients list links to the add-client form; the form starts with the welcome mail on', async () => {
    const list = await owner.get('/admin/clients').expect(200);
    expect(list.text).toContain('href="/admin/clients/new"');
    const form = await owner.get('/admin/clients/new').expect(200);
    expect(form.text).toMatch(/<input type="checkbox" name="welcome"\s+checked/);
    expect(form.text).toContain('Add a client');
  });

  it('adds a client with two products (one until a date) and the welcome mail, in one go', async () => {
    const k = tag();
    const a = await createProduct(t, { title: `Watercolour ${k}` });
    const b = await createProduct(t, { title: `Sketching ${k}` });
    const email = `new-${k}@example.com`;
    const res = await formPost(owner, '/admin/clients/new', '/admin/clients', {
      email: ` New-${k}@Example.com `,
      name: 'Нина Новикова',
      locale: 'ru',
      [`grant_${a.id}`]: 'on',
      [`grant_${b.id}`]: 'on',
      [`ends_${b.id}`]: day(30),
      welcome: 'on',
    });
    expect(res.status).toBe(303);
    const user = await t.db.manager.findOneByOrFail(User, { email });
    expect(res.headers.location).toBe(`/admin/clients/${user.id}?done=client_added_welcome`);
    expect(user).toMatchObject({ role: 'client', name: 'Нина Новикова', locale: 'ru', passwordHash: null });
    const grants = await t.db.manager.find(Grant, { where: { clientId: user.id }, order: { productId: 'ASC' } });
    expect(grants.map((g) => [g.productId, g.source, g.endsAt?.toISOString().slice(0, 10) ?? null])).toEqual([
      [a.id, 'manual', null],
      [b.id, 'manual', day(31)],
    ]);
    expect(await t.db.manager.countBy(GrantEvent, { grantId: grants[0].id, kind: 'created' })).toBe(1);
    const audit = await t.db.manager.find(AuditEntry, { where: { subjectType: 'client', subjectId: String(user.id) }, order: { id: 'ASC' } });
    expect(audit.map((e) => e.action)).toEqual(['client.create', 'grant.create', 'grant.create']);
    expect(JSON.parse(audit[0].summary)).toMatchObject({ after: { email, via: 'admin' } });

    const mails = await outboxFor(t, email);
    expect(mails.map((m) => [m.template, m.locale])).toEqual([['welcome', 'ru']]);
    expect(mails[0].subject).toBe(`Ваш доступ к «Watercolour ${k}», «Sketching ${k}» открыт`);
    expect(mails[0].text).toContain('Здравствуйте, Нина Новикова!');
    expect(mails[0].text).not.toMatch(/сброс|reset your password|Спасибо за покупку/i);
    expect(linkIn(mails[0].text, '/password/reset/')).toMatch(/^\/password\/reset\/[\w-]{20,}$/);

    const page = await owner.get(res.headers.location).expect(200);
    expect(page.text).toContain('Client added; the welcome mail is in the outbox.');
    expect(page.text).toMatch(/data-test="password-state">not chosen yet</);
  });

  it('adds a client without the welcome mail and without products', async () => {
    const email = `quiet-${tag()}@example.com`;
    const res = await formPost(owner, '/admin/clients/new', '/admin/clients', { email, name: '', locale: 'en' });
    expect(res.status).toBe(303);
    const user = await t.db.manager.findOneByOrFail(User, { email });
    expect(res.headers.location).toBe(`/admin/clients/${user.id}?done=client_added`);
    expect(await outboxFor(t, email)).toEqual([]);
    expect(await t.db.manager.countBy(Grant, { clientId: user.id })).toBe(0);
  });

  it('an e-mail that has an account already is a form error, and nothing is stored', async () => {
    const p = await createProduct(t);
    const client = await createUser(t);
    const staff = await createUser(t, { role: 'staff' });
    const counts = async () => [await t.db.manager.count(User), await t.db.manager.count(Grant), await t.db.manager.count(OutboxMessage), await t.db.manager.count(AuditEntry)];
    const before = await counts();
    for (const email of [client.email.toUpperCase(), staff.email]) {
      const res = await formPost(owner, '/admin/clients/new', '/admin/clients', { email, name: 'Twice', [`grant_${p.id}`]: 'on', welcome: 'on' });
      expect(res.status).toBe(409);
      expect(res.text).toContain('This email already has an account.');
      expect(res.text).toContain('value="Twice"');
      expect(res.text).toMatch(/id="f-email"[^>]*aria-invalid="true"/);
    }
    const bad = await formPost(owner, '/admin/clients/new', '/admin/clients', { email: 'not-an-email', [`grant_${p.id}`]: 'on', [`ends_${p.id}`]: '2001-01-01' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('The date must be in the future.');
    expect(await counts()).toEqual(before);
  });

  it('every path that creates a client sends the welcome, never the reset mail: CSV import and API here (admin above, the order webhook in orders-webhook.e2e)', async () => {
    const k = tag();
    const p = await createProduct(t, { title: `Pottery ${k}`, slug: `pottery-${k}` });
    // admin: above. CSV import, with the welcome box ticked:
    const importPage = await owner.get('/admin/clients/import');
    const csv = `email,name,product,expires\ncsv-${k}@example.com,Csv Person,pottery-${k},\n`;
    const imp = await owner
      .post('/admin/clients/import')
      .field('_csrf', csrfFrom(importPage.text))
      .field('welcome', 'on')
      .attach('file', Buffer.from(csv), { filename: 'c.csv', contentType: 'text/csv' });
    expect(imp.status).toBe(200);
    const viaCsv = await outboxFor(t, `csv-${k}@example.com`);
    expect(viaCsv.map((m) => m.template)).toEqual(['welcome']);
    expect(viaCsv[0].subject).toBe(`Your access to Pottery ${k} is ready`);
    expect(viaCsv[0].text).toContain('Hello, Csv Person!');

    // API: the welcome by default (no products yet: the account itself is ready), none when asked not to.
    const key = (await t.app.get(ApiKeysService).create({ userId: null, label: 'test', ip: '' }, `crm-${k}`)).key;
    const api = (body: object) => request(t.http).post('/api/admin/clients').set('Authorization', `Bearer ${key}`).send(body);
    expect((await api({ email: `api-${k}@example.com`, name: 'Api', locale: 'en' })).status).toBe(201);
    expect((await api({ email: `api-quiet-${k}@example.com`, welcome: false })).status).toBe(201);
    expect((await api({ email: `api-bad-${k}@example.com`, locale: 'de' })).status).toBe(400);
    const viaApi = await outboxFor(t, `api-${k}@example.com`);
    expect(viaApi.map((m) => [m.template, m.subject])).toEqual([['welcome', 'Your account is ready: choose a password']]);
    expect(await outboxFor(t, `api-quiet-${k}@example.com`)).toEqual([]);

    const all = await t.db.manager.findBy(OutboxMessage, { template: 'password-reset' });
    expect(all).toEqual([]);
  });

  it('"send the welcome mail again": a new link, the earlier welcome link dead, a reset the client asked for kept; audited', async () => {
    const k = tag();
    const p = await createProduct(t, { title: `Resend ${k}` });
    const email = `again-${k}@example.com`;
    expect((await formPost(owner, '/admin/clients/new', '/admin/clients', { email, [`grant_${p.id}`]: 'on', welcome: 'on' })).status).toBe(303);
    const user = await t.db.manager.findOneByOrFail(User, { email });
    const firstLink = linkIn((await outboxFor(t, email))[0].text, '/password/reset/');
    const guest = request.agent(t.http);
    const forgot = await guest.get('/password/forgot');
    await guest.post('/password/forgot').type('form').send({ email, _csrf: csrfFrom(forgot.text) }).expect(200);
    const resetLink = linkIn((await outboxFor(t, email)).find((m) => m.template === 'password-reset')!.text, '/password/reset/');

    const res = await formPost(owner, `/admin/clients/${user.id}`, `/admin/clients/${user.id}/welcome`, {});
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/clients/${user.id}?done=welcome_sent`);
    const welcomes = (await outboxFor(t, email)).filter((m) => m.template === 'welcome');
    expect(welcomes).toHaveLength(2);
    expect(welcomes[1].subject).toBe(`Your access to Resend ${k} is ready`);
    const secondLink = linkIn(welcomes[1].text, '/password/reset/');
    expect(secondLink).not.toBe(firstLink);

    const old = await request(t.http).get(firstLink).expect(200);
    expect(old.text).toContain('This link has expired or has already been used.');
    expect((await request(t.http).get(resetLink).expect(200)).text).not.toContain('This link has expired or has already been used.');
    const fresh = await request(t.http).get(secondLink).expect(200);
    expect(fresh.text).toContain('Choose your password');
    expect(await t.db.manager.countBy(AuditEntry, { action: 'client.welcome_sent', subjectId: String(user.id) })).toBe(1);
    expect((await owner.get(res.headers.location)).text).toContain('The welcome mail has been sent again');
  });

  it('setting a password through a welcome link logs the client in (a new session) and lands on /account', async () => {
    const k = tag();
    const p = await createProduct(t, { title: `Landing ${k}` });
    const email = `land-${k}@example.com`;
    expect((await formPost(owner, '/admin/clients/new', '/admin/clients', { email, [`grant_${p.id}`]: 'on', welcome: 'on' })).status).toBe(303);
    const user = await t.db.manager.findOneByOrFail(User, { email });
    const link = linkIn((await outboxFor(t, email))[0].text, '/password/reset/');
    const { agent, res } = await setPassword(t, link);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account?notice=password_set');
    const account = await agent.get(res.headers.location).expect(200);
    expect(account.text).toContain(`Landing ${k}`);
    expect(account.text).toContain('Your password is set. Welcome!');
    expect(await t.db.manager.countBy(Session, { userId: user.id })).toBe(1);
    // a first password sends no "your password was changed" alarm; the link is used up
    expect((await outboxFor(t, email)).map((m) => m.template)).toEqual(['welcome']);
    expect((await request(t.http).get(link)).text).toContain('This link has expired or has already been used.');
    expect((await owner.get(`/admin/clients/${user.id}`)).text).toMatch(/data-test="password-state">chosen</);
  });

  it('a reset link logs staff in too, to /admin, ending their other sessions', async () => {
    const staff = await createUser(t, { role: 'staff' });
    const elsewhere = await loginAgent(t, staff.email, staff.password);
    const guest = request.agent(t.http);
    const forgot = await guest.get('/password/forgot');
    await guest.post('/password/forgot').type('form').send({ email: staff.email, _csrf: csrfFrom(forgot.text) }).expect(200);
    const mails = await outboxFor(t, staff.email);
    const link = linkIn(mails[mails.length - 1].text, '/password/reset/');
    const page = await guest.get(link).expect(200);
    expect(page.text).toContain('Set a new password');
    const res = await guest.post(link).type('form').send({ password: 'another long password', confirm: 'another long password', _csrf: csrfFrom(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin?notice=password_set');
    expect((await guest.get('/admin')).status).toBe(200);
    expect((await elsewhere.get('/admin')).status).toBe(303);
    expect(await t.db.manager.countBy(Session, { userId: staff.id })).toBe(1);
    expect((await outboxFor(t, staff.email)).map((m) => m.template)).toContain('password-changed');
  });
});

describe('CSV import: "import these rows" from a dry run, by its token', () => {
  let t: TestApp;
  let admin: Agent;
  let adminUser: { email: string; password: string };
  let slug: string;
  beforeAll(async () => {
    t = await startTestApp();
    adminUser = await createUser(t, { role: 'admin' });
    admin = await loginAgent(t, adminUser.email, adminUser.password);
    slug = (await createProduct(t, { slug: `imp-${tag()}`, title: 'Imported course' })).slug;
  });
  afterAll(() => t.close());

  const stagingDir = () => path.join(t.config.dataDir, 'import-staging');
  const kept = () => (fs.existsSync(stagingDir()) ? fs.readdirSync(stagingDir()) : []);

  async function dryRun(agent: Agent, csv: string, welcome = true) {
    const page = await agent.get('/admin/clients/import').expect(200);
    const req = agent.post('/admin/clients/import').field('_csrf', csrfFrom(page.text)).field('dryRun', 'on');
    if (welcome) req.field('welcome', 'on');
    const res = await req.attach('file', Buffer.from(csv), { filename: 'clients.csv', contentType: 'text/csv' });
    expect(res.status).toBe(200);
    return res;
  }
  const tokenIn = (html: string) => /name="token" value="([^"]+)"/.exec(html)?.[1];
  const runStaged = (agent: Agent, html: string, token: string, welcome = true) =>
    agent.post('/admin/clients/import/run').type('form').send({ _csrf: csrfFrom(html), token, ...(welcome ? { welcome: 'on' } : {}) });

  it('a dry run keeps the file; "Import these rows" imports it once, then the token is used up and the file gone', async () => {
    const k = tag();
    const csv = ['email,name,product,expires', `a-${k}@example.com,A,${slug},`, `b-${k}@example.com,B,,`, `bad,C,${slug},`].join('\n');
    const dry = await dryRun(admin, csv);
    expect(dry.text).toContain('Dry run result');
    const token = tokenIn(dry.text)!;
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect(dry.text).toContain('Import these rows (2)');
    // the dry-run box is on again in the form below the report
    expect(dry.text).toMatch(/<input type="checkbox" name="dryRun"\s+checked/);
    // the no-product row is a warning, not a problem
    expect(dry.text).toMatch(new RegExp(`data-test="warning-row" data-row="3"><td[^>]*>3</td><td[^>]*>b-${k}@example.com</td><td[^>]*><span data-problem="no_product">`));
    expect(dry.text).toMatch(/data-test="problem-row" data-row="4"/);
    expect(await t.db.manager.countBy(User, { email: `a-${k}@example.com` })).toBe(0);
    expect(kept().filter((n) => n.endsWith('.csv'))).toHaveLength(1);
    expect(fs.readdirSync(t.config.filesDir).filter((n) => n.startsWith('.upload-'))).toEqual([]);

    const run = await runStaged(admin, dry.text, token);
    expect(run.status).toBe(200);
    expect(run.text).toContain('Import finished');
    expect(/data-test="created-clients">(\d+)</.exec(run.text)![1]).toBe('2');
    expect(/data-test="grants-created">(\d+)</.exec(run.text)![1]).toBe('1');
    expect(/data-test="warnings">(\d+)</.exec(run.text)![1]).toBe('1');
    expect(run.text).toMatch(/<input type="checkbox" name="dryRun"\s+checked/);
    const onlyClient = await t.db.manager.findOneByOrFail(User, { email: `b-${k}@example.com` });
    expect(await t.db.manager.countBy(Grant, { clientId: onlyClient.id })).toBe(0);
    const noProductMail = await outboxFor(t, onlyClient.email);
    expect(noProductMail.map((m) => [m.template, m.subject])).toEqual([['welcome', 'Your account is ready: choose a password']]);
    expect((await outboxFor(t, `a-${k}@example.com`)).map((m) => m.subject)).toEqual(['Your access to Imported course is ready']);
    expect(kept()).toEqual([]);

    const again = await runStaged(admin, run.text, token);
    expect(again.status).toBe(410);
    expect(again.text).toContain('This dry run has expired or was already imported. Choose the file again.');
    expect(await t.db.manager.countBy(User, { email: `a-${k}@example.com` })).toBe(1);
  });

  it('an expired, unknown or foreign token is a clear form error; an expired file is deleted', async () => {
    const k = tag();
    const csv = ['email,name,product,expires', `x-${k}@example.com,X,${slug},`].join('\n');
    const dry = await dryRun(admin, csv, false);
    const token = tokenIn(dry.text)!;

    // another admin, and the same admin in another session
    const other = await createUser(t, { role: 'admin' });
    const otherAgent = await loginAgent(t, other.email, other.password);
    const otherPage = await otherAgent.get('/admin/clients/import');
    expect((await runStaged(otherAgent, otherPage.text, token)).status).toBe(410);
    const sameAdminElsewhere = await loginAgent(t, adminUser.email, adminUser.password);
    const elsewherePage = await sameAdminElsewhere.get('/admin/clients/import');
    expect((await runStaged(sameAdminElsewhere, elsewherePage.text, token)).status).toBe(410);
    const unknown = await runStaged(admin, dry.text, 'A'.repeat(32));
    expect(unknown.status).toBe(410);
    expect(unknown.text).toContain('This dry run has expired');
    for (const bad of ['', '../../etc/passwd']) expect((await runStaged(admin, dry.text, bad)).status).toBe(410);
    expect(await t.db.manager.countBy(User, { email: `x-${k}@example.com` })).toBe(0);

    // 31 minutes later (the kept file's expiry moved back instead of the clock)
    const meta = kept().find((n) => n.endsWith('.json'))!;
    const file = path.join(stagingDir(), meta);
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), expiresAt: Date.now() - 60_000 }));
    const expired = await runStaged(admin, dry.text, token);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('Choose the file again.');
    expect(kept()).toEqual([]);
    expect(await t.db.manager.countBy(User, { email: `x-${k}@example.com` })).toBe(0);
  });

  it('a dry run with nothing to import keeps no file', async () => {
    const dry = await dryRun(admin, 'email,name,product,expires\nnot-an-email,X,,\n');
    expect(tokenIn(dry.text)).toBeUndefined();
    expect(kept().filter((n) => n.endsWith('.csv'))).toEqual([]);
  });
});
