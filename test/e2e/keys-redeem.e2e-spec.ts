import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { normaliseCode } from '../../src/members/keys/access-key-code';
import { AuditEntry } from '../../src/audit/entities/audit-entry.entity';
import { AccessKey } from '../../src/members/keys/entities/access-key.entity';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { createUser } from '../factories/users';
import { createProduct } from '../factories/members';
import { Agent, csrfFrom, formPost, loginAgent, startTestApp, TestApp } from '../utils/test-app';

const DAY = 86400_000;

describe('access keys', () => {
  let t: TestApp;
  let admin: Agent;
  beforeAll(async () => {
    t = await startTestApp();
    const a = await createUser(t, { role: 'admin' });
    admin = await loginAgent(t, a.email, a.password);
  });
  afterAll(() => t.close());

  async function generate(productId: number, count: number, days: number | null): Promise<string[]> {
    const res = await formPost(admin, '/admin/keys', '/admin/keys', { productId: String(productId), count: String(count), days: days === null ? '' : String(days) });
    expect(res.status).toBe(303);
    const batch = new URL(res.headers.location, 'http://x').searchParams.get('batch')!;
    const csv = await admin.get(`/admin/keys/batches/${batch}.csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="keys-${batch}.csv"`);
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    return rows.map((r) => r.code);
  }

  const redeem = (agent: Agent, code: string) => formPost(agent, '/account/redeem', '/account/redeem', { code });

  it('generates a batch of unique, well-formed keys in one go, with a CSV and an audit entry', async () => {
    const p = await createProduct(t);
    const codes = await generate(p.id, 25, 30);
    expect(codes).toHaveLength(25);
    expect(new Set(codes).size).toBe(25);
    for (const c of codes) expect(c).toMatch(/^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}(-[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{4}){3}$/);
    const stored = await t.db.manager.findBy(AccessKey, { productId: p.id });
    expect(stored).toHaveLength(25);
    expect(stored.every((k) => k.durationDays === 30 && k.redeemedAt === null)).toBe(true);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'keys.batch_created', subjectId: String(p.id) })).toBe(1);
    const page = await admin.get(`/admin/keys?product=${p.id}&state=unused`).expect(200);
    expect(page.text).toContain(codes[0]);
  });

  it('generates the largest batch (10000) in one transaction', async () => {
    const p = await createProduct(t);
    const codes = await generate(p.id, 10000, null);
    expect(new Set(codes).size).toBe(10000);
    expect(await t.db.manager.countBy(AccessKey, { productId: p.id })).toBe(10000);
  }, 60_000);

  it('refuses bad batch input with a form naming the fields, and nothing is written', async () => {
    const res = await formPost(admin, '/admin/keys', '/admin/keys', { productId: '999999', count: '10001', days: '-1' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Choose a product.');
    expect(res.text).toContain('Enter a number from 1 to 10000.');
    expect(res.text).toContain('Enter a number of days');
    expect((await admin.get('/admin/keys/batches/nope.csv')).status).toBe(404);
  });

  it('redeems a key (any case, spaces, dashes), extends an existing grant from its end, and refuses it a second time', async () => {
    const p = await createProduct(t);
    const [k1, k2] = await generate(p.id, 2, 10);
    const c = await createUser(t);
    const agent = await loginAgent(t, c.email, c.password);
    const sloppy = ` ${k1.toLowerCase().replace(/-/g, ' ')} `;
    expect(normaliseCode(sloppy)).toBe(k1);
    const first = await redeem(agent, sloppy);
    expect(first.status).toBe(200);
    expect(first.text).toContain('data-test="redeemed"');
    const g1 = await t.db.manager.findOneByOrFail(Grant, { clientId: c.id, productId: p.id });
    expect(g1.source).toBe('key');
    expect(Math.abs(g1.endsAt!.getTime() - (Date.now() + 10 * DAY))).toBeLessThan(60_000);

    await redeem(agent, k2).then((r) => expect(r.status).toBe(200));
    const grants = await t.db.manager.findBy(Grant, { clientId: c.id, productId: p.id });
    expect(grants).toHaveLength(1);
    expect(grants[0].endsAt!.getTime()).toBe(g1.endsAt!.getTime() + 10 * DAY);

    const again = await redeem(agent, k1);
    expect(again.status).toBe(400);
    expect(again.text).toContain('already been used');
    const other = await loginAgent(t, (await createUser(t)).email, 'correct horse battery');
    expect((await redeem(other, k1)).status).toBe(400);
    const key = await t.db.manager.findOneByOrFail(AccessKey, { code: k1 });
    expect(key.redeemedBy).toBe(c.id);
  });

  it('a forever key makes access forever; a disabled key is refused; only staff see the admin pages', async () => {
    const p = await createProduct(t);
    const [forever, disabled] = await generate(p.id, 2, null);
    const c = await createUser(t);
    const agent = await loginAgent(t, c.email, c.password);
    const key = await t.db.manager.findOneByOrFail(AccessKey, { code: disabled });
    const list = await admin.get('/admin/keys').expect(200);
    expect((await admin.post(`/admin/keys/${key.id}/disable`).type('form').send({ _csrf: csrfFrom(list.text) })).status).toBe(303);
    expect((await t.db.manager.findOneByOrFail(AccessKey, { id: key.id })).disabledAt).toBeInstanceOf(Date);
    expect(await t.db.manager.countBy(AuditEntry, { action: 'keys.disabled', subjectId: String(key.id) })).toBe(1);
    const refused = await redeem(agent, disabled);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('disabled');
    expect(await t.db.manager.countBy(Grant, { clientId: c.id })).toBe(0);

    expect((await redeem(agent, forever)).status).toBe(200);
    expect((await t.db.manager.findOneByOrFail(Grant, { clientId: c.id, productId: p.id })).endsAt).toBeNull();
    expect((await agent.get('/admin/keys')).status).toBe(403);
    expect((await admin.get('/admin/keys?state=disabled').expect(200)).text).toContain(disabled);
    expect((await request(t.http).get('/account/redeem')).status).toBe(303);
  });

  it('throttles guessing: after 10 failures the account gets 429, even for a valid key', async () => {
    const p = await createProduct(t);
    const [valid] = await generate(p.id, 1, 5);
    const c = await createUser(t);
    const agent = await loginAgent(t, c.email, c.password);
    for (let i = 0; i < 10; i++) expect((await redeem(agent, `AAAA-BBBB-CCCC-${String(2222 + i).slice(-4)}`)).status).toBe(400);
    const blocked = await redeem(agent, valid);
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await t.db.manager.findOneByOrFail(AccessKey, { code: valid })).redeemedAt).toBeNull();
    // another account is not blocked by this one's guesses
    const other = await loginAgent(t, (await createUser(t)).email, 'correct horse battery');
    expect((await redeem(other, valid)).status).toBe(200);
  });

  it('lets only one of two concurrent redemptions of a key win', async () => {
    const p = await createProduct(t);
    const [code] = await generate(p.id, 1, 7);
    const a = await loginAgent(t, (await createUser(t)).email, 'correct horse battery');
    const b = await loginAgent(t, (await createUser(t)).email, 'correct horse battery');
    const [pa, pb] = await Promise.all([a.get('/account/redeem'), b.get('/account/redeem')]);
    const results = await Promise.all([
      a.post('/account/redeem').type('form').send({ code, _csrf: csrfFrom(pa.text) }),
      b.post('/account/redeem').type('form').send({ code, _csrf: csrfFrom(pb.text) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const key = await t.db.manager.findOneByOrFail(AccessKey, { code });
    expect(await t.db.manager.countBy(Grant, { accessKeyId: key.id })).toBe(1);
  });
});

describe('access keys: guessing from one address', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Behind a proxy the client address comes from X-Forwarded-For, so a test can speak from several addresses.
    t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => t.close());

  const from = async (ip: string) => {
    const u = await createUser(t);
    return { user: u, agent: await loginAgent(t, u.email, u.password, { 'X-Forwarded-For': ip }) };
  };
  const redeem = (agent: Agent, code: string) => formPost(agent, '/account/redeem', '/account/redeem', { code });

  it('blocks an address after 30 failures across accounts, though no single account reached its own limit', async () => {
    const p = await createProduct(t);
    const admin = await createUser(t, { role: 'admin' });
    const adminAgent = await loginAgent(t, admin.email, admin.password);
    const made = await formPost(adminAgent, '/admin/keys', '/admin/keys', { productId: String(p.id), count: '1', days: '5' });
    const valid = (await t.db.manager.findOneByOrFail(AccessKey, { batch: new URL(made.headers.location, 'http://x').searchParams.get('batch')! })).code;

    const guessers = await Promise.all(['203.0.113.7', '203.0.113.7', '203.0.113.7', '203.0.113.7'].map(from));
    let n = 0;
    // 9 + 9 + 9 + 3 = 30 wrong guesses: every account stays under its limit of 10
    for (const [i, g] of guessers.entries()) {
      for (let k = 0; k < (i < 3 ? 9 : 3); k++) expect((await redeem(g.agent, `ZZZZ-ZZZZ-ZZZZ-${String(2222 + n++).slice(-4)}`)).status).toBe(400);
    }
    for (const g of [guessers[0], guessers[3]]) {
      const blocked = await redeem(g.agent, valid);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.text).toMatch(/Too many attempts/);
    }
    // a brand-new account on the same address is blocked too
    expect((await redeem((await from('203.0.113.7')).agent, valid)).status).toBe(429);
    expect((await t.db.manager.findOneByOrFail(AccessKey, { code: valid })).redeemedAt).toBeNull();
    // the same account from another address is not
    const elsewhere = await loginAgent(t, guessers[3].user.email, guessers[3].user.password, { 'X-Forwarded-For': '198.51.100.20' });
    expect((await redeem(elsewhere, valid)).status).toBe(200);
    expect(await t.db.manager.countBy(Grant, { clientId: guessers[3].user.id, productId: p.id })).toBe(1);
  });
});
