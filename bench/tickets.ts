/**
 * npm run bench:tickets — support tickets under load, on SQLite, side by side in one run:
 *  (a) inbound: N replies (Gmail-style, "On … wrote:" and 30–100 quoted lines, text and HTML, a 20 KB PDF or PNG
 *      attached) sent by one real SMTP client (nodemailer's pooled SMTP transport, BENCH_CONNECTIONS connections)
 *      to the kabinet listener, addressed to `reply+<token>@INBOUND_DOMAIN` of existing tickets (five replies per
 *      ticket), against the same client with the same settings sending the same messages to a bare smtp-server
 *      that parses each with mailparser and drops it. Both servers are processes of their own, the portal run as
 *      `npm start` runs it (192 MB heap cap); the two take turns in rounds (alternating which goes first), so a
 *      machine that drifts weighs on both alike. At the end every message must be a ticket message with its
 *      attachment, and every inbound_messages row `handled`. Peak RSS is the portal process's VmHWM
 *      (/proc/<pid>/status: the kernel's high-water mark, so no peak between two samples is missed), over its
 *      whole life: start-up and all the mail; the database was written by another process before it started;
 *  (b) inbox: the staff inbox's first page (GET /admin/tickets, logged in as staff) over 1,000 tickets and over
 *      100,000 (two portal processes on two databases seeded alike: a mix of statuses, types, assignees, clients
 *      and products, each ticket with its thread), the requests to the two interleaved, median of BENCH_REPEAT
 *      after a warm-up: the default page (active tickets by last activity), a status filter (waiting for staff),
 *      and "waited longest" (sort=waiting).
 * Prints: tickets: inbound R (X msg/s vs Y msg/s bare), peak RSS M MB; inbox first page at 100k tickets Z ms vs at 1k W ms
 * then the targets (R ≥ 0.5, RSS ≤ 256 MB, Z ≤ 2 × W for each of the three pages) met or missed, and details.
 * Knobs: BENCH_N (default 10000 mails), BENCH_CONNECTIONS (4), BENCH_ROUNDS (4), BENCH_INBOX_SMALL (1000),
 * BENCH_INBOX_LARGE (100000), BENCH_REPEAT (30), BENCH_ONLY (`inbound` or `inbox`), BENCH_HEAP_MB (192; 0 = V8's
 * defaults), BENCH_NODE_FLAGS (more flags for the portal process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_KEEP=1
 * (keep the databases).
 */
process.env.TZ = 'UTC';
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { EntityManager } from 'typeorm';
import { loadConfig } from '../src/config/config';
import { get, login } from './http';

const N = Number(process.env.BENCH_N ?? 10_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));
/** Replies per ticket in (a): a ticket takes at most 20 files (TICKET_FILES_MAX), each reply brings one. */
const REPLIES_PER_TICKET = 5;
/** Tickets in progress (not closed, but for a fifth of them) at the top of the inbox, whatever its size. */
const BACKLOG = 500;
/** Sent to each side before the measured rounds, so neither is measured cold; they land (and are checked) too. */
const WARMUP = Math.min(100, Math.ceil(N / 20));
const INBOX_SMALL = Number(process.env.BENCH_INBOX_SMALL ?? 1_000);
const INBOX_LARGE = Number(process.env.BENCH_INBOX_LARGE ?? 100_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 30);
const ONLY = process.env.BENCH_ONLY ?? '';
const HEAP_MB = Number(process.env.BENCH_HEAP_MB ?? 192);
const HEAP_FLAGS = HEAP_MB > 0 ? [`--max-old-space-size=${HEAP_MB}`, '--min-semi-space-size=16'] : [];
/** BENCH_KEEP=1 keeps the databases (their folders are printed), to look at them afterwards. */
const KEEP = process.env.BENCH_KEEP === '1';
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

const SECRET = 'bench-secret-0123456789abcdef0123456789';
const DOMAIN = 'in.portal.example.com';
const SUPPORT = 'Kabinet Support <support@portal.example.com>';
const STAFF_EMAIL = 'staff@portal.example.com';
const STAFF_PASSWORD = 'bench staff password 123';
const ATTACHMENT_BYTES = 20 * 1024;
const DAY = 86_400_000;

/** A ticket mail is sent to: its id, its client, the Message-ID of its last message (what the client answers). */
interface TargetTicket {
  id: number;
  email: string;
  name: string;
  subject: string;
  lastMessageId: string;
}

function appConfig(dir: string, extra: Record<string, string> = {}) {
  return loadConfig(
    {
      DATA_DIR: dir,
      SECRET_KEY: SECRET,
      LOG_LEVEL: 'error',
      DEFAULT_LOCALE: 'en',
      APP_URL: 'https://portal.example.com',
      INBOUND_DOMAIN: DOMAIN,
      LOGIN_MAX_PER_IP: '100000',
      ...extra,
    },
    dir,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Seeding, in bulk: multi-row INSERTs in transactions, as the other benches do.

const sql = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

async function insertRows(db: import('../src/database/database.service').Database, table: string, cols: string[], rows: unknown[][]): Promise<void> {
  // SQLite takes up to 32,766 parameters a statement.
  const per = Math.max(1, Math.floor(30_000 / cols.length));
  for (let start = 0; start < rows.length; start += per * 10) {
    await db.transaction(async (m: EntityManager) => {
      for (let s = start; s < Math.min(rows.length, start + per * 10); s += per) {
        const part = rows.slice(s, s + per);
        const one = `(${cols.map(() => '?').join(', ')})`;
        await m.query(`INSERT INTO ${table} (${cols.join(', ')}) VALUES ${part.map(() => one).join(', ')}`, part.flat());
      }
    });
  }
}

/** Staff (one of them logs in), clients and products; returns their ids. */
async function seedPeople(app: import('@nestjs/platform-express').NestExpressApplication, clients: number) {
  const { Database } = await import('../src/database/database.service');
  const { UsersService } = await import('../src/users/users.service');
  const db = app.get(Database);
  const now = new Date();
  const staffIds: number[] = [];
  await db.transaction(async (m) => {
    const users = app.get(UsersService);
    staffIds.push((await users.create(m, { email: STAFF_EMAIL, name: 'Olga Support', role: 'owner', password: STAFF_PASSWORD })).id);
    for (const name of ['Anna', 'Boris', 'Vera', 'Gleb']) staffIds.push((await users.create(m, { email: `${name.toLowerCase()}@portal.example.com`, name, role: 'staff', password: null })).id);
  });
  const at = sql(now);
  await insertRows(
    db,
    'users',
    ['email', 'name', 'role', 'password_hash', 'locale', 'created_at', 'updated_at'],
    Array.from({ length: clients }, (_, i) => [`client${i}@example${i % 13}.net`, `Client ${i}`, 'client', null, i % 3 ? 'ru' : 'en', at, at]),
  );
  await insertRows(
    db,
    'products',
    ['slug', 'title', 'description', 'price_label', 'status', 'end_grant_on_refund', 'created_at', 'updated_at'],
    Array.from({ length: 12 }, (_, i) => [`course-${i}`, `Course ${i + 1}: ${['Watercolour', 'Oils', 'Sketching', 'Portraits'][i % 4]}`, '', '', 'published', 1, at, at]),
  );
  const ids = async (q: string) => ((await db.manager.query(q)) as { id: number }[]).map((r) => Number(r.id));
  return {
    staffIds,
    clientIds: await ids(`SELECT id FROM users WHERE role = 'client' ORDER BY id`),
    productIds: await ids(`SELECT id FROM products ORDER BY id`),
  };
}

const WORDS = 'lesson course video homework access payment invoice question colour brush paper canvas sketch glaze layer light shadow mix palette drying frame'.split(' ');
function sentence(seed: number, words = 12): string {
  const out: string[] = [];
  let x = seed * 2654435761;
  for (let i = 0; i < words; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out.push(WORDS[x % WORDS.length]);
  }
  return out.join(' ').replace(/^./, (c) => c.toUpperCase()) + '.';
}

/**
 * `count` tickets with ids `first`…, each with its thread (the client's message, then staff replies, client
 * answers and internal notes, 1–5 messages). `mix` chooses each one's status; dates spread over two years.
 */
async function seedTickets(
  db: import('../src/database/database.service').Database,
  o: { first: number; count: number; staffIds: number[]; clientIds: number[]; productIds: number[]; status?: (i: number) => string },
): Promise<TargetTicket[]> {
  const now = Date.now();
  const CHUNK = 5_000;
  const targets: TargetTicket[] = [];
  const span = 2 * 365 * DAY;
  for (let start = 0; start < o.count; start += CHUNK) {
    const tickets: unknown[][] = [];
    const messages: unknown[][] = [];
    for (let k = start; k < Math.min(o.count, start + CHUNK); k++) {
      const id = o.first + k;
      // How many tickets are newer than this one: the newest BACKLOG are the desk's work in progress, and history
      // behind them is closed (the waiting ones auto-close), but for a few that were forgotten, waiting for staff
      // or open for months (the ones "waited longest" puts first). So the work in progress is about the same at
      // 1k and at 100k tickets, and the history is what grows.
      const newer = o.count - 1 - k;
      const status = o.status?.(k) ?? (newer < BACKLOG ? ['open', 'waiting_for_staff', 'waiting_for_client', 'waiting_for_client', 'closed'][k % 5] : k % 97 === 0 ? (k % 2 ? 'open' : 'waiting_for_staff') : 'closed');
      const who = (id * 31) % o.clientIds.length;
      const clientId = o.clientIds[who];
      // Opened in order over two years (the last BACKLOG in the last two weeks), a little jitter.
      const created = newer < BACKLOG ? now - ((newer + 1) / BACKLOG) * 14 * DAY : now - 14 * DAY - (newer / o.count) * span - ((k * 104_729) % 3_600_000);
      const last = Math.min(now - 60_000, created + ((k * 15_485_863) % (newer < BACKLOG ? DAY : 20 * DAY)));
      const waiting = status === 'open' || status === 'waiting_for_staff' ? last : null;
      const assignee = k % 5 === 0 ? null : o.staffIds[k % o.staffIds.length];
      const answered = status !== 'open';
      const subject = `${sentence(k, 5).slice(0, -1)} (#${id})`;
      tickets.push([
        id,
        clientId,
        k % 6 === 0 ? 'consultation' : 'support',
        k % 3 === 0 ? null : o.productIds[k % o.productIds.length],
        subject,
        status,
        assignee,
        ['low', 'normal', 'normal', 'normal', 'high', 'urgent'][k % 6],
        sql(new Date(created)),
        sql(new Date(last)),
        waiting === null ? null : sql(new Date(waiting)),
        answered ? sql(new Date(created + 3_600_000)) : null,
        status === 'closed' ? sql(new Date(last)) : null,
      ]);
      const length = answered ? 2 + (k % 4) : 1;
      let lastMessageId = '';
      for (let j = 0; j < length; j++) {
        const kind = j === 0 ? 'client' : j % 2 ? (k % 7 === j ? 'internal_note' : 'staff_reply') : 'client';
        const fromClient = kind === 'client';
        const messageId = `<t${id}.m${j}.${fromClient ? 'client' : 'kabinet'}@portal.example.com>`;
        if (kind !== 'internal_note') lastMessageId = messageId;
        const body = Array.from({ length: 2 + ((k + j) % 5) }, (_, p) => sentence(k * 10 + j * 3 + p, 14)).join('\n\n');
        messages.push([
          id,
          fromClient ? clientId : (assignee ?? o.staffIds[0]),
          kind,
          body,
          fromClient ? null : 3 + ((k + j) % 20),
          messageId,
          sql(new Date(Math.min(last, created + j * 3_600_000))),
        ]);
      }
      // What a mail client answers: our last mail (a staff reply), in the client's name.
      targets.push({ id, email: `client${who}@example${who % 13}.net`, name: `Client ${who}`, subject, lastMessageId });
    }
    await insertRows(
      db,
      'tickets',
      ['id', 'client_id', 'type', 'product_id', 'subject', 'status', 'assignee_id', 'priority', 'created_at', 'last_activity_at', 'waiting_since', 'first_response_at', 'closed_at'],
      tickets,
    );
    await insertRows(db, 'ticket_messages', ['ticket_id', 'author_id', 'kind', 'body', 'minutes', 'message_id', 'created_at'], messages);
  }
  return targets;
}

// ---------------------------------------------------------------------------------------------------------------
// The child processes.

/** Writes the database the portal then serves: people and the tickets the mail answers. */
async function prepareMain(dir: string) {
  const { createApp } = await import('../src/app');
  const { Database } = await import('../src/database/database.service');
  const app = await createApp(appConfig(dir), { runJobs: false });
  await app.init();
  const people = await seedPeople(app, 2_000);
  const tickets = Math.ceil((N + 2 * WARMUP) / REPLIES_PER_TICKET);
  // Every ticket waits for its client: the staff had the last word, the client now answers by mail.
  const targets = await seedTickets(app.get(Database), { first: 1, count: tickets, ...people, status: () => 'waiting_for_client' });
  fs.writeFileSync(path.join(dir, 'targets.json'), JSON.stringify(targets));
  await app.close();
  process.send!({ done: true });
}

/** The portal with its inbound listener on, serving the prepared database; answers `count` with what landed. */
async function portalMain(dir: string) {
  const { createApp } = await import('../src/app');
  const { Database } = await import('../src/database/database.service');
  const { InboundServer } = await import('../src/inbound/inbound.server');
  const app = await createApp(appConfig(dir, { INBOUND_PORT: '0' }), { runJobs: false });
  await app.init();
  const db = app.get(Database);
  const baseline = await landed(db);
  process.on('message', async (m: { count?: boolean; stop?: boolean }) => {
    if (m.count) {
      const now = await landed(db);
      process.send!({ count: { messages: now.messages - baseline.messages, attachments: now.attachments - baseline.attachments, inbound: now.inbound } });
    }
    if (m.stop) {
      await app.close();
      process.exit(0);
    }
  });
  process.send!({ port: app.get(InboundServer).port });
}

async function landed(db: import('../src/database/database.service').Database) {
  const one = async (q: string) => Number(((await db.manager.query(q)) as { n: number }[])[0].n);
  const inbound = (await db.manager.query(`SELECT status, COUNT(*) AS n FROM inbound_messages GROUP BY status`)) as { status: string; n: number }[];
  return {
    messages: await one(`SELECT COUNT(*) AS n FROM ticket_messages WHERE kind = 'client'`),
    attachments: await one(`SELECT COUNT(*) AS n FROM ticket_attachments`),
    inbound: Object.fromEntries(inbound.map((r) => [r.status, Number(r.n)])) as Record<string, number>,
  };
}

/** The baseline: an smtp-server with the listener's settings that parses every message with mailparser and drops it. */
async function bareMain() {
  const { SMTPServer } = await import('smtp-server');
  const { simpleParser } = await import('mailparser');
  let parsed = 0;
  const server = new SMTPServer({
    name: DOMAIN,
    banner: 'bare',
    size: 25 * 1024 ** 2,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    socketTimeout: 60_000,
    onData(stream, _session, cb) {
      simpleParser(stream, { skipTextToHtml: true, skipTextLinks: true }).then(
        (mail) => {
          if (mail.attachments.length !== 1) return cb(new Error('expected one attachment'));
          parsed++;
          cb();
        },
        (e: Error) => cb(e),
      );
    },
  });
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as AddressInfo).port }));
  process.on('message', (m: { count?: boolean; stop?: boolean }) => {
    if (m.count) process.send!({ count: { messages: parsed } });
    if (m.stop) server.close(() => process.exit(0));
  });
}

/** The inbox: the portal over a database grown on request (`grow`), for the parent to time its pages over HTTP. */
async function inboxMain(dir: string) {
  const { createApp } = await import('../src/app');
  const { Database } = await import('../src/database/database.service');
  const app = await createApp(appConfig(dir), { runJobs: false });
  await app.listen(0, '127.0.0.1');
  const db = app.get(Database);
  const people = await seedPeople(app, 5_000);
  let have = 0;
  process.on('message', async (m: { grow?: number; stop?: boolean }) => {
    if (m.grow) {
      await seedTickets(db, { first: have + 1, count: m.grow - have, ...people });
      have = m.grow;
      const messages = Number(((await db.manager.query(`SELECT COUNT(*) AS n FROM ticket_messages`)) as { n: number }[])[0].n);
      process.send!({ grown: { tickets: have, messages } });
    }
    if (m.stop) {
      await app.close();
      process.exit(0);
    }
  });
  process.send!({ port: (app.getHttpServer().address() as AddressInfo).port });
}

// ---------------------------------------------------------------------------------------------------------------
// The parent: the SMTP client, the HTTP client, the report.

interface Child {
  proc: ChildProcess;
  next<T>(key: string): Promise<T>;
  send(m: object): void;
}

/** A child process of this script in `mode`; `next(key)` is the next message it sends with that key (kept until asked for). */
function start(mode: string, args: string[], execArgv: string[] = []): Child {
  const proc = fork(__filename, [mode, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  const waiting = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const arrived = new Map<string, unknown[]>();
  let failed: Error | null = null;
  proc.on('message', (m: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(m)) {
      const w = waiting.get(k);
      if (w) {
        waiting.delete(k);
        w.resolve(v);
      } else arrived.set(k, [...(arrived.get(k) ?? []), v]);
    }
  });
  proc.on('exit', (code, signal) => {
    failed = new Error(`${mode} exited ${code ?? signal}`);
    for (const w of waiting.values()) w.reject(failed);
    waiting.clear();
  });
  return {
    proc,
    next: <T>(key: string) =>
      new Promise<T>((resolve, reject) => {
        const got = arrived.get(key);
        if (got?.length) return resolve(got.shift() as T);
        if (failed) return reject(failed);
        waiting.set(key, { resolve: resolve as (v: unknown) => void, reject });
      }),
    send: (m) => proc.send(m),
  };
}

async function stop(c: Child): Promise<void> {
  if (c.proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => c.proc.once('exit', () => r()));
  c.send({ stop: true });
  await exited;
}

/** CPU time a process has used so far (all its threads, user and system), in ms (Linux). */
function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [utime, stime] = f.slice(f.lastIndexOf(')') + 2).split(' ').slice(11, 13).map(Number);
  return ((utime + stime) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** The kernel's high-water mark of a process's resident set, in MB (Linux). */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// Mail that looks like a client's reply from Gmail: text and HTML, the quoted history, a file.

const ATTACHMENTS = Array.from({ length: 16 }, (_, i) => (i % 2 ? fakePng(i) : fakePdf(i)));

function fakePdf(seed: number): { filename: string; contentType: string; content: Buffer } {
  const head = Buffer.from(`%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n3 0 obj\n<< /Length ${ATTACHMENT_BYTES} /Filter /FlateDecode >>\nstream\n`, 'latin1');
  const tail = Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1');
  return { filename: `invoice-${seed}.pdf`, contentType: 'application/pdf', content: Buffer.concat([head, randomBytes(ATTACHMENT_BYTES - head.length - tail.length), tail]) };
}

function fakePng(seed: number): { filename: string; contentType: string; content: Buffer } {
  // A real PNG signature and IHDR, then an IDAT of noise (a screenshot's worth of bytes that do not compress).
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 2, 0, 0, 0, 1, 0x80, 8, 6, 0, 0, 0, 0, 0, 0, 0]);
  const idatLen = ATTACHMENT_BYTES - sig.length - 12 - 12;
  const idat = Buffer.concat([Buffer.from([idatLen >>> 24, (idatLen >>> 16) & 255, (idatLen >>> 8) & 255, idatLen & 255]), Buffer.from('IDAT'), randomBytes(idatLen), Buffer.alloc(4)]);
  const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return { filename: `screenshot-${seed}.png`, contentType: 'image/png', content: Buffer.concat([sig, idat, iend]) };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Message `i` of the run, the same bytes for both servers: a reply to ticket `t`, in Gmail's shape. */
function replyMail(i: number, t: TargetTicket, to: string) {
  const reply = Array.from({ length: 2 + (i % 4) }, (_, p) => sentence(i * 7 + p, 10 + (p % 6)));
  const quoted = Array.from({ length: 30 + ((i * 37) % 71) }, (_, q) => (q % 9 === 8 ? '' : sentence(i + q * 13, 11)));
  const date = new Date(Date.UTC(2026, 10, 1) + (i % 1000) * 60_000);
  const on = `On ${date.toUTCString().replace(/:\d\d GMT$/, '')}, ${SUPPORT} wrote:`;
  const text = `${reply.join('\n\n')}\n\n--\n${t.name}\n\n${on}\n\n${quoted.map((l) => (l ? `> ${l}` : '>')).join('\n')}\n`;
  const html =
    `<div dir="ltr">${reply.map((p) => `<div>${escapeHtml(p)}</div><div><br></div>`).join('')}<div>-- <br>${escapeHtml(t.name)}</div></div><br>` +
    `<div class="gmail_quote"><div dir="ltr" class="gmail_attr">${escapeHtml(on)}<br></div>` +
    `<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">` +
    quoted.map((l) => (l ? `<div>${escapeHtml(l)}</div>` : '<div><br></div>')).join('') +
    `</blockquote></div>`;
  return {
    envelope: { from: t.email, to },
    from: `"${t.name}" <${t.email}>`,
    to,
    subject: `Re: [#${t.id}] ${t.subject}`,
    date,
    messageId: `<CAB${i.toString(36)}x${(i * 7919).toString(36)}@mail.gmail.com>`,
    inReplyTo: t.lastMessageId,
    references: [t.lastMessageId],
    text,
    html,
    attachments: [ATTACHMENTS[i % ATTACHMENTS.length]],
  };
}

type Transport = import('nodemailer').Transporter;

async function transportTo(port: number): Promise<Transport> {
  const nodemailer = await import('nodemailer');
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'mail-relay.example.net', pool: true, maxConnections: CONNECTIONS, maxMessages: Infinity });
}

/**
 * Sends messages `from`…`to` - 1 through the pooled transport, with as many in flight as the pool has connections
 * (twice, so a connection never waits for the next message). Returns the seconds it took. Any refusal is fatal:
 * a bench that counts refused mail as throughput measures nothing.
 */
async function sendRange(transport: Transport, from: number, to: number, addressOf: (t: TargetTicket) => string, targets: TargetTicket[]): Promise<number> {
  let next = from;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS * 2 }, async () => {
      while (next < to) {
        const i = next++;
        const t = targets[Math.floor(i / REPLIES_PER_TICKET)];
        const info = await transport.sendMail(replyMail(i, t, addressOf(t)));
        if (info.rejected?.length) throw new Error(`message ${i} refused: ${info.response}`);
      }
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function inbound(): Promise<{ ratio: number; portalRate: number; bareRate: number; rssMb: number; bareRssMb: number; detail: string }> {
  const { AddressTokens } = await import('../src/inbound/address-tokens');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-bench-tickets-'));
  try {
    const prep = start('prepare', [dir], HEAP_FLAGS);
    await prep.next('done');
    const targets = JSON.parse(fs.readFileSync(path.join(dir, 'targets.json'), 'utf8')) as TargetTicket[];
    const tokens = new AddressTokens(SECRET);
    const replyTo = new Map(targets.map((t) => [t.id, `reply+${tokens.make('reply', `t${t.id}`)}@${DOMAIN}`]));
    const addressOf = (t: TargetTicket) => replyTo.get(t.id)!;

    const portal = start('portal', [dir], [...HEAP_FLAGS, ...NODE_FLAGS]);
    const bare = start('bare', [], HEAP_FLAGS);
    const [portalPort, barePort] = await Promise.all([portal.next<number>('port'), bare.next<number>('port')]);
    const toPortal = await transportTo(portalPort);
    const toBare = await transportTo(barePort);
    try {
      // Warm-up: messages 0…WARMUP-1 to the bare server, WARMUP…2·WARMUP-1 to the portal (they go to other
      // tickets than the measured ones); the measured messages follow, the same ones to both.
      await sendRange(toBare, 0, WARMUP, addressOf, targets);
      await sendRange(toPortal, WARMUP, 2 * WARMUP, addressOf, targets);
      let portalSeconds = 0;
      let bareSeconds = 0;
      let portalCpu = 0;
      let bareCpu = 0;
      const first = 2 * WARMUP;
      const measure = async (side: 'portal' | 'bare', a: number, b: number) => {
        const pid = (side === 'portal' ? portal : bare).proc.pid!;
        const cpu0 = cpuMs(pid);
        const seconds = await sendRange(side === 'portal' ? toPortal : toBare, a, b, addressOf, targets);
        if (side === 'portal') (portalSeconds += seconds), (portalCpu += cpuMs(pid) - cpu0);
        else (bareSeconds += seconds), (bareCpu += cpuMs(pid) - cpu0);
      };
      for (let r = 0; r < ROUNDS; r++) {
        const a = first + Math.floor((N * r) / ROUNDS);
        const b = first + Math.floor((N * (r + 1)) / ROUNDS);
        // the bare server gets the same messages; it keeps nothing, so sending them twice is no duplicate
        for (const side of r % 2 === 0 ? (['bare', 'portal'] as const) : (['portal', 'bare'] as const)) await measure(side, a, b);
      }
      const rssMb = peakRssMb(portal.proc.pid!);
      const bareRssMb = peakRssMb(bare.proc.pid!);
      portal.send({ count: true });
      bare.send({ count: true });
      const [got, bareGot] = await Promise.all([
        portal.next<{ messages: number; attachments: number; inbound: Record<string, number> }>('count'),
        bare.next<{ messages: number }>('count'),
      ]);
      const expected = N + WARMUP;
      if (got.messages !== expected || got.attachments !== expected || (got.inbound.handled ?? 0) !== expected || bareGot.messages !== expected) {
        throw new Error(
          `expected ${expected} replies to land: ticket messages ${got.messages}, attachments ${got.attachments}, inbound_messages ${JSON.stringify(got.inbound)}; bare parsed ${bareGot.messages}`,
        );
      }
      const portalRate = N / portalSeconds;
      const bareRate = N / bareSeconds;
      const detail =
        `inbound: ${N} replies (+${WARMUP} warm-up each side) over ${CONNECTIONS} pooled SMTP connections in ${ROUNDS} alternating rounds, ` +
        `${targets.length} tickets; landed: ${got.messages} ticket messages, ${got.attachments} attachments, inbound_messages ${JSON.stringify(got.inbound)}; ` +
        `portal ${portalSeconds.toFixed(1)} s, bare ${bareSeconds.toFixed(1)} s; server CPU per message portal ${(portalCpu / N).toFixed(1)} ms, bare ${(bareCpu / N).toFixed(1)} ms; peak RSS (VmHWM) portal ${rssMb.toFixed(0)} MB, bare ${bareRssMb.toFixed(0)} MB`;
      return { ratio: portalRate / bareRate, portalRate, bareRate, rssMb, bareRssMb, detail };
    } finally {
      toPortal.close();
      toBare.close();
      await Promise.all([stop(portal), stop(bare)]);
    }
  } finally {
    if (!KEEP) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}


/** The database's size on disk, its write-ahead log included. */
function dbBytes(dir: string): number {
  return ['kabinet.sqlite', 'kabinet.sqlite-wal'].reduce((n, f) => n + (fs.statSync(path.join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
}

const PAGES = [
  { name: 'active by last activity', query: '' },
  { name: 'status=waiting_for_staff', query: '?status=waiting_for_staff' },
  { name: 'sort=waiting (waited longest)', query: '?sort=waiting' },
];

interface Timing {
  median: number;
  p90: number;
  rows: number;
}

/** One inbox page's answer time in ms; it must be a 200 with tickets on it. */
async function timePage(url: string, cookie: string): Promise<{ ms: number; rows: number }> {
  const t0 = process.hrtime.bigint();
  const res = await get(url, cookie);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  const rows = (res.body.match(/href="\/admin\/tickets\/\d+"/g) ?? []).length;
  if (!rows) throw new Error(`${url}: no tickets on the page`);
  return { ms, rows };
}

/**
 * The inbox over two databases, one of INBOX_SMALL tickets and one of INBOX_LARGE (each its own portal process,
 * seeded the same way), the requests to the two interleaved one by one, so a machine that drifts or is shared
 * weighs on both alike. Per page: the median and p90 of REPEAT requests after a warm-up of 20.
 */
async function inbox(): Promise<{ small: Timing[]; large: Timing[]; detail: string }> {
  const sides = [INBOX_SMALL, INBOX_LARGE].map((count) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-bench-inbox-'));
    return { count, dir, child: start('inbox', [dir], HEAP_FLAGS), base: '', cookie: '', seconds: 0, messages: 0 };
  });
  try {
    for (const side of sides) {
      side.base = `http://127.0.0.1:${await side.child.next<number>('port')}`;
      side.cookie = await login(side.base, STAFF_EMAIL, STAFF_PASSWORD);
      const t0 = Date.now();
      side.child.send({ grow: side.count });
      side.messages = (await side.child.next<{ messages: number }>('grown')).messages;
      side.seconds = (Date.now() - t0) / 1000;
    }
    const results = sides.map(() => [] as Timing[]);
    for (const p of PAGES) {
      const times = sides.map(() => [] as number[]);
      const rows = sides.map(() => 0);
      for (let i = 0; i < 20 + REPEAT; i++) {
        for (const [k, side] of sides.entries()) {
          const r = await timePage(`${side.base}/admin/tickets${p.query}`, side.cookie);
          rows[k] = r.rows;
          if (i >= 20) times[k].push(r.ms);
        }
      }
      for (const [k, t] of times.entries()) {
        t.sort((a, b) => a - b);
        results[k].push({ median: t[Math.floor(t.length / 2)], p90: t[Math.floor(t.length * 0.9)], rows: rows[k] });
      }
    }
    const [small, large] = results;
    const k = (n: number) => `${n / 1000}k`;
    const detail =
      `inbox (median of ${REPEAT} after 20 warm-up, p90 in brackets, requests to the two databases interleaved): ` +
      PAGES.map((p, i) => `${p.name} ${large[i].median.toFixed(1)} ms (${large[i].p90.toFixed(1)}) at ${k(INBOX_LARGE)} vs ${small[i].median.toFixed(1)} ms (${small[i].p90.toFixed(1)}) at ${k(INBOX_SMALL)}`).join('; ') +
      '; seeded ' +
      sides.map((s) => `${k(s.count)} tickets with ${s.messages} messages in ${s.seconds.toFixed(1)} s (${(dbBytes(s.dir) / 1048576).toFixed(0)} MB)`).join(', ');
    return { small, large, detail };
  } finally {
    for (const side of sides) {
      await stop(side.child);
      if (!KEEP) fs.rmSync(side.dir, { recursive: true, force: true });
      else console.log(`kept ${side.dir}`);
    }
  }
}

async function main() {
  const mode = process.argv[2];
  if (mode === 'prepare') return prepareMain(process.argv[3]);
  if (mode === 'portal') return portalMain(process.argv[3]);
  if (mode === 'bare') return bareMain();
  if (mode === 'inbox') return inboxMain(process.argv[3]);

  const t0 = Date.now();
  const a = ONLY === 'inbox' ? null : await inbound();
  const b = ONLY === 'inbound' ? null : await inbox();
  const inboundPart = a ? `inbound ${a.ratio.toFixed(2)} (${a.portalRate.toFixed(0)} msg/s vs ${a.bareRate.toFixed(0)} msg/s bare), peak RSS ${a.rssMb.toFixed(0)} MB` : 'inbound not run';
  const inboxPart = b ? `inbox first page at ${INBOX_LARGE / 1000}k tickets ${b.large[0].median.toFixed(1)} ms vs at ${INBOX_SMALL / 1000}k ${b.small[0].median.toFixed(1)} ms` : 'inbox not run';
  console.log(`tickets: ${inboundPart}; ${inboxPart}`);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const targets: string[] = [];
  if (a) targets.push(`R ≥ 0.5 ${verdict(a.ratio >= 0.5)}`, `RSS ≤ 256 MB ${verdict(a.rssMb <= 256)}`);
  if (b) targets.push(...PAGES.map((p, i) => `Z ≤ 2 × W (${p.name}: ${(b.large[i].median / b.small[i].median).toFixed(2)}×) ${verdict(b.large[i].median <= 2 * b.small[i].median)}`));
  console.log(`targets: ${targets.join('; ')}`);
  if (a) console.log(a.detail);
  if (b) console.log(b.detail);
  console.log(`(${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
