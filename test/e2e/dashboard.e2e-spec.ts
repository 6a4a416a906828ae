import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Actor } from '../../src/audit/actor';
import { BansService } from '../../src/bans/bans.service';
import { WarningsService } from '../../src/clients/warnings/warnings.service';
import { RefundsService } from '../../src/members/orders/refunds/refunds.service';
import { OffboardingCase } from '../../src/offboarding/entities/offboarding-case.entity';
import { OffboardingService } from '../../src/offboarding/offboarding.service';
import { createProduct } from '../factories/members';
import { paidOrder } from '../factories/orders';
import { createTicket } from '../factories/tickets';
import { createUser } from '../factories/users';
import { Agent, loginAgent, startTestApp, TestApp } from '../utils/test-app';

/**
 * The admin overview's "Needs you": each kind of waiting work counted and linked to where it is done — tickets
 * waiting for the team, offboarding cases that need a decision or an approval, held orders, manual refunds to
 * confirm (by name), warning follow-ups due — and a quiet line when nothing waits.
 */
const SECRET = 'webhook-secret-0123456789';
const tag = () => randomBytes(4).toString('hex');

describe('admin overview: needs you', () => {
  let t: TestApp;
  let owner: Agent;
  let staffAgent: Agent;
  let ownerActor: Actor & { role: 'owner' };

  const paid = (email: string, product: string, amount: string) => paidOrder(t, SECRET, { email, product, amount });
  const section = (html: string) => /<section class="card needs-you"[\s\S]*?<\/section>/.exec(html)![0];
  const count = (html: string, name: string) => {
    const m = new RegExp(`data-test="attention-${name}">(?:<a href="([^"]+)">)?<span class="badge[^"]*">(\\d+)\\+?</span>`).exec(section(html));
    return m ? { href: m[1], n: Number(m[2]) } : null;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_SECRET: SECRET } });
    const o = await createUser(t, { role: 'owner' });
    const s = await createUser(t, { role: 'staff' });
    owner = await loginAgent(t, o.email, o.password);
    staffAgent = await loginAgent(t, s.email, s.password);
    ownerActor = { userId: o.id, label: o.email, ip: '127.0.0.1', role: 'owner' };
  });
  afterAll(() => t.close());

  it('says nothing waits on a quiet day', async () => {
    const page = await owner.get('/admin').expect(200);
    expect(section(page.text)).toContain('data-test="needs-you-quiet"');
    expect(section(page.text)).toContain('Nothing is waiting for you right now');
  });

  it('counts each kind of waiting work and links to where it is done; the refunds to confirm by name; staff see it too', async () => {
    const product = await createProduct(t, { slug: `p-${tag()}`, title: 'Watercolour basics' });
    const client = await createUser(t, { role: 'client', name: 'Irina Petrova' });
    const other = await createUser(t, { role: 'client', name: 'Pavel Orlov' });

    // two tickets from clients, one answered by staff and waiting for the client (not counted)
    await createTicket(t, client.id, { subject: 'Lesson 3 again' });
    await createTicket(t, other.id, { subject: 'Where is the palette list?' });
    const answered = await createTicket(t, other.id, { subject: 'Thanks' });
    await t.db.write((m) => m.query(`UPDATE tickets SET status = 'waiting_for_client' WHERE id = ?`, [answered.id]));

    // a case staff proposed, and a case whose step gave up (the state as the runner leaves it)
    const ops = t.app.get(OffboardingService);
    const staffUser = await createUser(t, { role: 'staff' });
    const proposed = await ops.open({ userId: staffUser.id, label: staffUser.email, ip: '127.0.0.1', role: 'staff' }, client.id, { reason: 'Asked for work far outside the plan', evidence: [], steps: ['revoke'], when: 'now' });
    expect(proposed.case.status).toBe('proposed');
    const stuck = await ops.open(ownerActor, other.id, { reason: 'Chargebacks', evidence: [], steps: ['ban'], when: new Date(Date.now() + 86400_000) });
    await t.db.write((m) => m.update(OffboardingCase, { id: stuck.case.id }, { status: 'attention' }));

    // an order from a banned identity, held for review
    const banned = `banned-${tag()}@example.com`;
    await t.app.get(BansService).banNow(ownerActor, { email: banned, reason: 'abusive messages' });
    expect((await paid(banned, product.slug, '900.00')).status).toBe('held');

    // a manual refund waiting for the owner
    const order = await paid(client.email, product.slug, '1500.00');
    const refund = await t.app.get(RefundsService).request(order.id, 50000, `manual:${order.id}`, ownerActor);
    expect(refund).toMatchObject({ adapter: 'manual', status: 'pending' });

    // a warning whose follow-up date is today
    const ticket = await createTicket(t, client.id, { subject: 'Daily private lessons?' });
    const today = new Date().toISOString().slice(0, 10);
    await t.app.get(WarningsService).send(ownerActor, client.id, { terms: 'Twelve lessons and one review.', requestTicketIds: [ticket.id], estimate: 'A weekly review: 4,000 RUB.', followUpOn: today });

    const page = await owner.get('/admin').expect(200);
    expect(section(page.text)).not.toContain('needs-you-quiet');
    expect(count(page.text, 'tickets')).toEqual({ href: '/admin/tickets?sort=waiting', n: 3 }); // two + the warning's request; not the answered one
    expect(count(page.text, 'cases')).toEqual({ href: '/admin/offboarding?status=attention', n: 1 });
    expect(count(page.text, 'proposed')).toEqual({ href: '/admin/offboarding?status=proposed', n: 1 });
    expect(count(page.text, 'held')).toEqual({ href: '/admin/orders?status=held', n: 1 });
    expect(count(page.text, 'refunds')).toEqual({ href: undefined, n: 1 });
    expect(section(page.text)).toMatch(new RegExp(`data-refund="${refund.id}"><a href="/admin/clients/${client.id}#orders">Irina Petrova</a> · order ${order.externalId}, RUB\u00a0500.00, asked for on`));
    expect(count(page.text, 'follow-ups')).toEqual({ href: '/admin/clients', n: 1 });

    // each link leads to a page that lists that work
    expect((await owner.get('/admin/offboarding?status=attention').expect(200)).text).toContain(`/admin/offboarding/${stuck.case.id}`);
    expect((await owner.get('/admin/orders?status=held').expect(200)).text).toContain(banned);

    // staff see the same list; Russian reads as Russian
    const asStaff = await staffAgent.get('/admin').expect(200);
    expect(count(asStaff.text, 'proposed')).toMatchObject({ n: 1 });
    const ru = section((await owner.get('/admin').set('Accept-Language', 'ru').expect(200)).text);
    expect(ru).toContain('Ждёт вас');
    expect(ru).toContain('дела о расставании, предложенные сотрудниками, ждут одобрения');
    expect(ru).toMatch(/заказ ord-[0-9a-f]+, 500,00\s₽, запрошен/);
  });

  it('is refused to clients and to visitors', async () => {
    const c = await createUser(t, { role: 'client' });
    const client = await loginAgent(t, c.email, c.password);
    expect((await client.get('/admin')).status).toBe(403);
    const anon = await request(t.http).get('/admin');
    expect([302, 303]).toContain(anon.status);
  });
});
