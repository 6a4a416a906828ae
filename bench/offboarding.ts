/**
 * npm run bench:offboarding — one offboarding case from start to all its non-mail steps done, for a client with
 * 50 grants, 10 list memberships, 20 live sessions, 30 open tickets and 5 paid orders, and for one with ten times
 * each (500, 100, 200, 300, 50), on SQLite and on MariaDB (TEST_DATABASE_URL, else a throwaway mariadbd started
 * the way test/run.js starts one; skipped when there is neither).
 *
 * The time is OffboardingService.open() as the API calls it, for a case that runs now: the case and its steps are
 * written, the runner runs every step (revoke, unsubscribe and ban done; the refund step has asked for its five or
 * fifty refunds), and the call returns. "Done" for the refund step with the manual adapter means its refunds are
 * recorded as pending for the owner to make and confirm (step `waiting`, every refund row written under its key):
 * nothing further can happen without the owner. The notice is queued in the same pass and waits for the relay (a
 * mail step, not counted as done). The dry run the case runs for its approval rule is included.
 * Each size is run BENCH_REPEAT times (default 5) on fresh clients, alternating the sizes; the median is printed.
 * Prints: offboarding: sqlite X ms (10x: X10 ms), mariadb Y ms (10x: Y10 ms)
 * then the targets (X, Y < 500 ms; each 10x ≤ 3 × its base) met or missed.
 */
process.env.TZ = 'UTC';
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EntityManager } from 'typeorm';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/config';
import { Database } from '../src/database/database.service';
import { Product } from '../src/members/catalogue/entities/product.entity';
import { STEP_EXECUTORS, StepExecutor } from '../src/offboarding/offboarding.contract';
import { OffboardingService } from '../src/offboarding/offboarding.service';
import { UsersService } from '../src/users/users.service';
import { scratchMysqlDatabase } from './scratch-db';

const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 5));
const BASE = { grants: 50, lists: 10, sessions: 20, tickets: 30, orders: 5 };
type Size = typeof BASE;
const times = (n: number): Size => ({ grants: BASE.grants * n, lists: BASE.lists * n, sessions: BASE.sessions * n, tickets: BASE.tickets * n, orders: BASE.orders * n });
const DAY = 86_400_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Plain multi-row INSERTs in chunks: the seed is not what is measured. */
async function insertRows(m: EntityManager, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  for (let i = 0; i < rows.length; i += 200) {
    const part = rows.slice(i, i + 200);
    await m.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${part.map(() => `(${cols.map(() => '?').join(', ')})`).join(', ')}`, part.flatMap((r) => cols.map((c) => r[c])));
  }
}

const dt = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

async function seedClient(db: Database, app: Awaited<ReturnType<typeof createApp>>, size: Size, products: number[], n: number): Promise<number> {
  return db.transaction(async (m) => {
    const now = new Date();
    const tag = randomBytes(3).toString('hex');
    const client = await app.get(UsersService).create(m, { email: `client-${n}-${tag}@example.com`, name: `Client ${n}`, role: 'client', password: null });
    const id = client.id;
    await insertRows(
      m,
      'grants',
      Array.from({ length: size.grants }, (_, i) => ({ client_id: id, product_id: products[i % products.length], starts_at: dt(new Date(now.getTime() - 30 * DAY)), ends_at: i % 2 ? dt(new Date(now.getTime() + 300 * DAY)) : null, source: 'manual', revoked_at: null, revoked_by: null, reason: null, order_id: null, access_key_id: null, created_at: dt(now), updated_at: dt(now) })),
    );
    await insertRows(
      m,
      'sessions',
      Array.from({ length: size.sessions }, () => ({ token_hash: randomBytes(32).toString('hex'), user_id: id, ip: '127.0.0.1', user_agent: 'bench', created_at: dt(now), last_seen_at: dt(now), expires_at: dt(new Date(now.getTime() + 7 * DAY)) })),
    );
    await insertRows(
      m,
      'orders',
      Array.from({ length: size.orders }, (_, i) => ({ external_id: `ord-${tag}-${i}`, client_id: id, product_id: products[i % products.length], status: 'paid', amount_minor: 100000 + i, amount_currency: 'RUB', paid_at: dt(now), refunded_at: null, payload: null, payment_provider: null, payment_ref: null, created_at: dt(now) })),
    );
    await insertRows(
      m,
      'tickets',
      Array.from({ length: size.tickets }, (_, i) => ({ client_id: id, external_email: null, type: 'support', product_id: null, subject: `Question ${i}`, status: i % 3 ? 'open' : 'waiting_for_client', assignee_id: null, priority: 'normal', previous_ticket_id: null, created_at: dt(now), last_activity_at: dt(now), waiting_since: dt(now), first_response_at: null, closed_at: null, first_response_seconds: null, resolution_seconds: null })),
    );
    const ticketIds: { id: number | string }[] = await m.query('SELECT id FROM tickets WHERE client_id = ?', [id]);
    await insertRows(
      m,
      'ticket_messages',
      ticketIds.map((t) => ({ ticket_id: Number(t.id), author_id: id, author_email: null, kind: 'client', body: 'How do I open lesson 2?', minutes: null, message_id: `<${randomBytes(8).toString('hex')}@bench>`, in_reply_to: null, created_at: dt(now), inbound_id: null })),
    );
    await insertRows(
      m,
      'mailing_lists',
      Array.from({ length: size.lists }, (_, i) => ({ list_key: `l-${tag}-${i}`, name: `List ${tag} ${i}`, description: '', opt_in: 'single', is_public: 1, archived_at: null, created_at: dt(now), updated_at: dt(now) })),
    );
    const lists: { id: number | string }[] = await m.query('SELECT id FROM mailing_lists WHERE list_key LIKE ?', [`l-${tag}-%`]);
    await insertRows(m, 'subscribers', [{ email: client.email, name: client.name, locale: null, user_id: id, suppressed_reason: null, suppressed_at: null, created_at: dt(now), updated_at: dt(now) }]);
    const sub: { id: number | string }[] = await m.query('SELECT id FROM subscribers WHERE email = ?', [client.email]);
    await insertRows(
      m,
      'subscriptions',
      lists.map((l) => ({ subscriber_id: Number(sub[0].id), list_id: Number(l.id), status: 'confirmed', confirm_token_hash: null, confirm_sent_at: null, created_at: dt(now), updated_at: dt(now) })),
    );
    return id;
  });
}

async function measure(label: string, dbUrl: string, dir: string): Promise<{ base: number; ten: number }> {
  const config = loadConfig({ DATA_DIR: dir, DATABASE_URL: dbUrl, SECRET_KEY: 'bench-secret-0123456789abcdef0123456789', LOG_LEVEL: 'error', DEFAULT_LOCALE: 'en' }, dir);
  const app = await createApp(config, { runJobs: false });
  try {
    const db = app.get(Database);
    const svc = app.get(OffboardingService);
    // BENCH_PROFILE=1: how long each step's run() takes (printed per case), to find the slow one
    const stepMs: Record<string, number> = {};
    if (process.env.BENCH_PROFILE === '1') {
      for (const ex of app.get<StepExecutor[]>(STEP_EXECUTORS)) {
        const run = ex.run.bind(ex) as (...a: unknown[]) => Promise<unknown>;
        (ex as { run: unknown }).run = async (...a: unknown[]) => {
          const t0 = process.hrtime.bigint();
          try {
            return await run(...a);
          } finally {
            stepMs[ex.name] = Number(process.hrtime.bigint() - t0) / 1e6;
          }
        };
      }
    }
    const { ownerId, products } = await db.transaction(async (m) => {
      const owner = await app.get(UsersService).create(m, { email: `owner-${randomBytes(3).toString('hex')}@example.com`, name: 'Owner', role: 'owner', password: null });
      const now = new Date();
      const ids: number[] = [];
      for (let i = 0; i < 10; i++) {
        const p = await m.save(Product, m.create(Product, { slug: `bench-${i}-${randomBytes(2).toString('hex')}`, title: `Course ${i}`, description: '', priceLabel: '', status: 'published', endGrantOnRefund: true, createdAt: now, updatedAt: now }));
        ids.push(p.id);
      }
      return { ownerId: owner.id, products: ids };
    });
    const actor = { userId: ownerId, label: 'owner@example.com', ip: '127.0.0.1', role: 'owner' as const };
    const input = { reason: 'bench', evidence: [], steps: ['notice', 'refund', 'revoke', 'unsubscribe', 'ban'] as ('notice' | 'refund' | 'revoke' | 'unsubscribe' | 'ban')[], when: 'now' as const };
    const results: Record<'base' | 'ten', number[]> = { base: [], ten: [] };
    let n = 0;
    // one warm-up case of each size, not counted
    for (let r = -1; r < REPEAT; r++) {
      for (const which of r % 2 ? (['base', 'ten'] as const) : (['ten', 'base'] as const)) {
        const size = which === 'base' ? BASE : times(10);
        const clientId = await seedClient(db, app, size, products, n++);
        const t0 = process.hrtime.bigint();
        const { case: c } = await svc.open(actor, clientId, input);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const st = Object.fromEntries(c.steps.map((s) => [s.name, s.status]));
        const ok = st.revoke === 'done' && st.unsubscribe === 'done' && st.ban === 'done' && st.refund === 'waiting';
        if (!ok) throw new Error(`${label} ${which}: steps not as expected: ${JSON.stringify(st)} ${JSON.stringify(c.steps.map((s) => s.lastError).filter(Boolean))}`);
        const refunds = (c.steps.find((s) => s.name === 'refund')!.result as { refunds: unknown[] }).refunds.length;
        const revoke = c.steps.find((s) => s.name === 'revoke')!.result as { grants: unknown[]; sessionsEnded: number; ticketsClosed: unknown[] };
        if (refunds !== size.orders || revoke.grants.length !== size.grants || revoke.sessionsEnded !== size.sessions || revoke.ticketsClosed.length !== size.tickets) {
          throw new Error(`${label} ${which}: did not end everything: ${refunds} refunds, ${revoke.grants.length} grants, ${revoke.sessionsEnded} sessions, ${revoke.ticketsClosed.length} tickets`);
        }
        if (r >= 0) results[which].push(ms);
        if (process.env.BENCH_PROFILE === '1') console.error(`${label} ${which}: ${ms.toFixed(0)} ms; steps ${Object.entries(stepMs).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
      }
    }
    const out = { base: median(results.base), ten: median(results.ten) };
    console.error(`${label}: base ${results.base.map((x) => x.toFixed(0)).join(', ')} ms; 10x ${results.ten.map((x) => x.toFixed(0)).join(', ')} ms`);
    return out;
  } finally {
    await app.close();
  }
}

/** A throwaway MariaDB like test/run.js's, or the one TEST_DATABASE_URL names: a fresh database on it. */
async function mariadb(): Promise<{ url: string; stop: () => Promise<void> } | null> {
  let server = process.env.TEST_DATABASE_URL;
  let pid: number | null = null;
  let mdir: string | null = null;
  if (!server) {
    const port = 33000 + Math.floor(Math.random() * 900);
    const started = spawnSync('bash', [path.join(__dirname, '../../test/utils/mariadb-throwaway.sh'), String(port)], { encoding: 'utf8' });
    const vars = Object.fromEntries((started.stdout ?? '').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    if (started.status !== 0 || !vars.TEST_DATABASE_URL) {
      console.error(`mariadb: not measured (${started.status === 3 ? 'no mariadbd on this machine' : (started.stderr ?? '').slice(0, 300)})`);
      return null;
    }
    server = vars.TEST_DATABASE_URL;
    pid = Number(vars.MARIADB_PID);
    mdir = vars.MARIADB_DIR;
  }
  const db = await scratchMysqlDatabase(server, 'kb_bench_ob');
  return {
    url: db.url,
    stop: async () => {
      await db.drop();
      if (pid) {
        try {
          process.kill(pid);
        } catch {
          /* gone already */
        }
        await new Promise((r) => setTimeout(r, 500));
        if (mdir) fs.rmSync(mdir, { recursive: true, force: true });
      }
    },
  };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-bench-ob-'));
  const sqlite = await measure('sqlite', `sqlite:${path.join(dir, 'bench.sqlite')}`, dir);
  let my: { base: number; ten: number } | null = null;
  const server = await mariadb();
  if (server) {
    const mdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-bench-ob-my-'));
    try {
      my = await measure('mariadb', server.url, mdir);
    } finally {
      await server.stop();
      fs.rmSync(mdir, { recursive: true, force: true });
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const f = (x: number) => x.toFixed(0);
  console.log(`offboarding: sqlite ${f(sqlite.base)} ms (10x: ${f(sqlite.ten)} ms), mariadb ${my ? `${f(my.base)} ms (10x: ${f(my.ten)} ms)` : 'not measured'}`);
  const verdict = (name: string, r: { base: number; ten: number }) =>
    `${name}: base ${r.base < 500 ? 'met' : 'MISSED'} (< 500 ms), 10x ${r.ten <= 3 * r.base ? 'met' : 'MISSED'} (${(r.ten / r.base).toFixed(2)}× ≤ 3×)`;
  console.log(verdict('sqlite', sqlite));
  if (my) console.log(verdict('mariadb', my));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
