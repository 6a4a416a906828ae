import { Ticket } from '../../src/support/entities/ticket.entity';
import { InboxFilter, InboxSort, TicketsRepository } from '../../src/support/tickets.repository';
import { ACTIVE_STATUSES } from '../../src/support/tickets-staff.service';
import { createProduct } from '../factories/members';
import { createUser } from '../factories/users';
import { startTestApp, TestApp } from '../utils/test-app';

const N = 3000;

/**
 * The inbox reads its page off an index for every filter it offers, so 100k tickets page as fast as 1k: the
 * query plan (EXPLAIN on either engine) uses an index, never a scan of the whole table, and for the common
 * filters needs no sort of its own.
 */
describe('ticket inbox query plans', () => {
  let t: TestApp;
  let repo: TicketsRepository;
  let clientId: number;
  let staffId: number;
  let productId: number;

  beforeAll(async () => {
    t = await startTestApp();
    repo = t.app.get(TicketsRepository);
    const clients = await Promise.all([1, 2, 3, 4].map(() => createUser(t)));
    clientId = clients[0].id;
    staffId = (await createUser(t, { role: 'staff' })).id;
    productId = (await createProduct(t)).id;
    const statuses = ['open', 'waiting_for_staff', 'waiting_for_client', 'closed', 'closed', 'closed', 'closed', 'closed'] as const;
    const start = Date.now() - N * 60_000;
    const rows: Partial<Ticket>[] = [];
    for (let i = 0; i < N; i++) {
      const status = statuses[i % statuses.length];
      const at = new Date(start + i * 60_000);
      rows.push({
        clientId: clients[i % clients.length].id,
        type: i % 5 === 0 ? 'consultation' : 'support',
        productId: i % 3 === 0 ? productId : null,
        subject: `Ticket ${i}`,
        status,
        assigneeId: i % 4 === 0 ? staffId : null,
        priority: 'normal',
        createdAt: at,
        lastActivityAt: at,
        waitingSince: status === 'open' || status === 'waiting_for_staff' ? at : null,
        closedAt: status === 'closed' ? at : null,
      });
    }
    for (let i = 0; i < rows.length; i += 500) await t.db.transaction((m) => m.insert(Ticket, rows.slice(i, i + 500)));
    if (t.db.isMysql) await t.db.transaction((m) => m.query('ANALYZE TABLE tickets'));
    else await t.db.transaction((m) => m.query('ANALYZE'));
  });
  afterAll(() => t.close());

  async function plan(filter: InboxFilter, sort: InboxSort): Promise<{ usesIndex: boolean; sorts: boolean; text: string }> {
    const [sql, params] = repo.inboxSql(filter, sort, { limit: 50, offset: 0 });
    if (t.db.isMysql) {
      const rows: { table: string; key: string | null; type: string; Extra: string | null }[] = await t.db.manager.query(`EXPLAIN ${sql}`, params);
      const row = rows.find((r) => r.table === 't')!;
      return { usesIndex: !!row.key && row.type !== 'ALL', sorts: /filesort/i.test(row.Extra ?? ''), text: JSON.stringify(rows) };
    }
    const rows: { detail: string }[] = await t.db.manager.query(`EXPLAIN QUERY PLAN ${sql}`, params);
    const text = rows.map((r) => r.detail).join(' | ');
    return { usesIndex: /USING (COVERING )?INDEX/.test(text) && !/SCAN t(?! USING)/.test(text), sorts: /TEMP B-TREE/.test(text), text };
  }

  const cases: [string, () => InboxFilter, InboxSort][] = [
    ['active, by last activity (the default page)', () => ({ statuses: ACTIVE_STATUSES }), 'activity'],
    ['one status', () => ({ statuses: ['waiting_for_staff'] }), 'activity'],
    ['everything', () => ({ statuses: [] }), 'activity'],
    ['by waiting time', () => ({ statuses: ACTIVE_STATUSES }), 'waiting'],
    ['one client', () => ({ statuses: [], clientId }), 'activity'],
    ['one assignee', () => ({ statuses: ['open'], assignee: staffId }), 'activity'],
    ['one product', () => ({ statuses: [], productId }), 'activity'],
  ];

  it.each(cases)('%s: read off an index', async (_name, filter, sort) => {
    const p = await plan(filter(), sort);
    expect({ usesIndex: p.usesIndex, plan: p.text }).toEqual({ usesIndex: true, plan: p.text });
  });

  it.each(cases.filter(([name]) => ['one status', 'everything', 'by waiting time', 'one client', 'one assignee', 'one product'].includes(name)))(
    '%s: no sort of its own',
    async (_name, filter, sort) => {
      const p = await plan(filter(), sort);
      expect({ sorts: p.sorts, plan: p.text }).toEqual({ sorts: false, plan: p.text });
    },
  );

  it('the pages and counts agree with the data', async () => {
    const page = await repo.inbox({ statuses: ['waiting_for_staff'] }, 'activity', { limit: 10, offset: 0 });
    expect(page).toHaveLength(10);
    expect(page.every((r) => r.ticket.status === 'waiting_for_staff')).toBe(true);
    const times = page.map((r) => r.ticket.lastActivityAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const counts = await repo.countByStatus({}, 'activity');
    expect(counts.closed).toBeGreaterThanOrEqual((N * 5) / 8);
  });

  it('counts each status exactly, under each filter and sort (the closed ones are the rest of the total)', async () => {
    const all = await t.db.manager.find(Ticket);
    const expected = (keep: (tk: Ticket) => boolean) => {
      const out = { open: 0, waiting_for_staff: 0, waiting_for_client: 0, closed: 0 };
      for (const tk of all.filter(keep)) out[tk.status]++;
      return out;
    };
    expect(await repo.countByStatus({}, 'activity')).toEqual(expected(() => true));
    expect(await repo.countByStatus({}, 'waiting')).toEqual(expected((tk) => tk.waitingSince !== null));
    expect(await repo.countByStatus({ assignee: staffId }, 'activity')).toEqual(expected((tk) => tk.assigneeId === staffId));
    expect(await repo.countByStatus({ type: 'consultation', productId }, 'activity')).toEqual(expected((tk) => tk.type === 'consultation' && tk.productId === productId));
    expect(await repo.countByStatus({ assignee: 'none', clientId }, 'waiting')).toEqual(expected((tk) => tk.assigneeId === null && tk.clientId === clientId && tk.waitingSince !== null));
  });
});
