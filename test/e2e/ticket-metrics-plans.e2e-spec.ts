import { Ticket, TicketMessage } from '../../src/support/entities/ticket.entity';
import { TicketMetricsRepository } from '../../src/support/ticket-metrics.repository';
import { MEDIAN_SAMPLE_CAP, METRICS_WINDOW_DAYS, TicketMetricsService } from '../../src/support/ticket-metrics.service';
import { createUser } from '../factories/users';
import { startTestApp, TestApp } from '../utils/test-app';

const N = 3000;
const DAY = 86_400_000;

/**
 * The inbox shows the overall ticket figures on every page view, so none of their queries may read all tickets:
 * each is a range of an index (the recent window, the open statuses, one client), read off the index alone where
 * it can be (EXPLAIN on either engine, as test/e2e/tickets-inbox does for the page itself).
 */
describe('ticket metrics query plans', () => {
  let t: TestApp;
  let repo: TicketMetricsRepository;
  let clientId: number;

  beforeAll(async () => {
    t = await startTestApp();
    repo = t.app.get(TicketMetricsRepository);
    const clients = await Promise.all([1, 2, 3, 4].map(() => createUser(t)));
    clientId = clients[0].id;
    const statuses = ['open', 'waiting_for_client', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed'] as const;
    // a year of tickets, one every ~3 hours: the 30-day window holds a twelfth of them
    const start = Date.now() - 365 * DAY;
    const rows: Partial<Ticket>[] = [];
    for (let i = 0; i < N; i++) {
      const status = statuses[i % statuses.length];
      const at = new Date(start + Math.floor((i * 365 * DAY) / N));
      rows.push({
        clientId: clients[i % clients.length].id,
        type: 'support',
        subject: `Ticket ${i}`,
        status,
        priority: 'normal',
        createdAt: at,
        lastActivityAt: at,
        waitingSince: null,
        firstResponseAt: new Date(at.getTime() + 3600_000),
        firstResponseSeconds: 60 * (i % 97),
        closedAt: status === 'closed' ? new Date(at.getTime() + 7200_000) : null,
        resolutionSeconds: status === 'closed' ? 7200 : null,
      });
    }
    for (let i = 0; i < rows.length; i += 500) await t.db.transaction((m) => m.insert(Ticket, rows.slice(i, i + 500)));
    const ids: { id: number }[] = await t.db.manager.query('SELECT id FROM tickets ORDER BY id');
    const msgs: Partial<TicketMessage>[] = ids.map(({ id }, i) => ({
      ticketId: id,
      authorId: null,
      authorEmail: null,
      kind: 'staff_reply',
      body: 'Answer',
      minutes: i % 7,
      messageId: `<plan-${id}@kabinet.test>`,
      inReplyTo: null,
      createdAt: rows[i].firstResponseAt!,
    }));
    for (let i = 0; i < msgs.length; i += 500) await t.db.transaction((m) => m.insert(TicketMessage, msgs.slice(i, i + 500)));
    if (t.db.isMysql) await t.db.transaction((m) => m.query('ANALYZE TABLE tickets, ticket_messages'));
    else await t.db.transaction((m) => m.query('ANALYZE'));
  });
  afterAll(() => t.close());

  async function plan([sql, params]: [string, unknown[]], table: 't' | 'm'): Promise<{ usesIndex: boolean; indexOnly: boolean; text: string }> {
    if (t.db.isMysql) {
      const rows: { table: string; key: string | null; type: string; Extra: string | null }[] = await t.db.manager.query(`EXPLAIN ${sql}`, params);
      const row = rows.find((r) => r.table === table)!;
      return { usesIndex: !!row.key && row.type !== 'ALL' && row.type !== 'index', indexOnly: /Using index/.test(row.Extra ?? ''), text: JSON.stringify(rows) };
    }
    const rows: { detail: string }[] = await t.db.manager.query(`EXPLAIN QUERY PLAN ${sql}`, params);
    const text = rows.map((r) => r.detail).join(' | ');
    return { usesIndex: /SEARCH \w+ USING (COVERING )?INDEX/.test(text) && !/SCAN/.test(text), indexOnly: /COVERING INDEX/.test(text), text };
  }

  const since = () => new Date(Date.now() - METRICS_WINDOW_DAYS * DAY);

  it.each([
    ['the recent first responses (the overall median)', 'recentFirstResponses', 't', true],
    ['the open count', 'openCount', 't', true],
    ['the minutes of the window', 'minutesSince', 'm', true],
  ] as const)('%s: a range of an index, never a scan', async (_name, key, table, indexOnly) => {
    const p = await plan(repo.summarySql(since(), MEDIAN_SAMPLE_CAP)[key], table);
    if (process.env.SHOW_PLANS) console.log(key, p.text);
    expect({ usesIndex: p.usesIndex, indexOnly: p.indexOnly || !indexOnly, plan: p.text }).toEqual({ usesIndex: true, indexOnly: true, plan: p.text });
  });

  it("a client's median: a count and an ordered read off the client's index", async () => {
    for (const q of repo.clientMedianSql(clientId)) {
      const p = await plan(q, 't');
      expect({ usesIndex: p.usesIndex, indexOnly: p.indexOnly, plan: p.text }).toEqual({ usesIndex: true, indexOnly: true, plan: p.text });
      if (!t.db.isMysql) expect(p.text).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('the figures agree with the data', async () => {
    const svc = t.app.get(TicketMetricsService);
    svc.forget();
    const s = await svc.overall();
    const cutoff = since().getTime();
    const inWindow = (await t.db.manager.find(Ticket)).filter((tk) => tk.firstResponseAt!.getTime() >= cutoff);
    expect(s.answered).toBe(inWindow.length);
    expect(s.answered).toBeGreaterThan(100);
    const sorted = inWindow.map((tk) => tk.firstResponseSeconds!).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    expect(s.medianFirstResponseSeconds).toBe(sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2));
    expect(s.open).toBe(N / 4);
    const c = await svc.summary(clientId);
    const mine = (await t.db.manager.findBy(Ticket, { clientId })).map((tk) => tk.firstResponseSeconds!).sort((a, b) => a - b);
    expect(c.answered).toBe(mine.length);
    const m2 = mine.length >> 1;
    expect(c.medianFirstResponseSeconds).toBe(mine.length % 2 ? mine[m2] : Math.round((mine[m2 - 1] + mine[m2]) / 2));
  });
});
