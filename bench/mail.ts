/**
 * npm run bench:mail — kabinet's campaign pipeline against a raw pooled nodemailer transport, same SMTP sink,
 * same message size, side by side in one run:
 *  (a) raw: the pooled transport (MAIL_POOL_SIZE connections) sends N copies of a rendered campaign mail
 *      straight to the sink, as fast as it can, with as many messages in flight as the sender keeps;
 *  (b) pipeline: a campaign of N subscribers goes through the whole path — claim rows, re-check consent,
 *      render, send, record each outcome — to the same sink.
 * N = 100,000, and 10,000 to show memory does not grow with the audience. Raw and pipeline run in processes of
 * their own that take turns on the machine (one is frozen with SIGSTOP while the other runs, swapping every
 * second), and each side's rate counts only its own running time: both are measured at full speed, and a VM that
 * drifts faster or slower over the minutes of a run (these drift by ±15%) weighs on both alike. For the pipeline,
 * one process first writes the audience and starts the campaign; the measured one only sends it, so its peak RSS
 * is the sender's. The sink is a process of its own too (smtp-server, auth off, loopback).
 * Prints: mail: pipeline X msg/s, raw Y msg/s, ratio R, peak RSS M MB (10k: M10 MB)
 * on SQLite, and again on MariaDB/MySQL when TEST_DATABASE_URL is set.
 * Knobs: BENCH_MAIL_N (default 100000), BENCH_MAIL_SMALL_N (default 10000), BENCH_HEAP_MB (default 192, as
 * `npm start` and the Dockerfile cap the heap, with their fixed 16 MB semi-spaces; 0 = V8's defaults), BENCH_NODE_FLAGS (more flags for the measured
 * processes, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`), BENCH_MAIL_ONLY (`sqlite` or `mysql`: one engine only),
 * BENCH_MAIL_TURN_MS (default 1000).
 */
process.env.TZ = 'UTC';
import 'reflect-metadata';
import { ChildProcess, fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PerformanceObserver } from 'node:perf_hooks';
import { scratchMysqlDatabase } from './scratch-db';

const N = Number(process.env.BENCH_MAIL_N ?? 100_000);
/** As `npm start` and the Dockerfile run the app (both sides alike); BENCH_HEAP_MB=0 runs with V8's defaults. */
const HEAP_MB = Number(process.env.BENCH_HEAP_MB ?? 192);
const HEAP_FLAGS = HEAP_MB > 0 ? [`--max-old-space-size=${HEAP_MB}`, '--min-semi-space-size=16'] : [];
/** Extra node flags for the measured processes, e.g. BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const NODE_FLAGS = [...HEAP_FLAGS, ...(process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean)];
const SMALL_N = Number(process.env.BENCH_MAIL_SMALL_N ?? 10_000);
/** How long each side runs before the other takes its turn (see takeTurns). */
const TURN_MS = Number(process.env.BENCH_MAIL_TURN_MS ?? 1000);
const BODY =
  '# This week in the school\n\nHello, {{name}}!\n\n' +
  'We have published new lessons and answered your questions. **Read on** for the details, and reply if you want more. '.repeat(12) +
  '\n\n[Open your account](https://portal.example.com/account) · [Preferences]({{preferences_url}})\n';

interface Result {
  mode: 'raw' | 'pipeline';
  n: number;
  seconds: number;
  peakRssMb: number;
  sent: number;
  /** CPU time of the measured process (all its threads) while it sent, in µs. */
  cpuMicros: number;
  /** Of which in the kernel (socket and file I/O), in µs. */
  sysMicros: number;
  /** Time V8 spent in garbage collection while it sent, in ms. */
  gcMs: number;
}

// ---------------------------------------------------------------------------------------------------------------
// The sink process: accepts everything, keeps nothing but a count.
async function sinkMain() {
  const { SMTPServer } = await import('smtp-server');
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        count++;
        cb();
      });
    },
  });
  server.on('error', () => undefined);
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.server.address() as AddressInfo).port }));
  process.on('message', (m: { count?: boolean }) => m.count && process.send!({ count }));
}

// ---------------------------------------------------------------------------------------------------------------
// A measuring process: boots the app on the given database, prepares, then measures one thing.
async function measureMain(mode: 'raw' | 'pipeline' | 'prepare', n: number, databaseUrl: string, smtpUrl: string, dir: string) {
  const { createApp } = await import('../src/app');
  const { loadConfig } = await import('../src/config/config');
  const { Database } = await import('../src/database/database.service');
  const { CampaignRenderer } = await import('../src/mailing/campaigns/campaign-renderer');
  const { CampaignMessageBuilder } = await import('../src/mailing/sender/campaign-message');
  const { CampaignSender } = await import('../src/mailing/sender/campaign-sender');
  const { MailingTokens } = await import('../src/mailing/mailing-tokens');
  const { createMailTransport } = await import('../src/mail/mail-transport');
  const { seedList, seedSubscribers, startCampaign } = await import('../test/factories/campaigns');

  const config = loadConfig(
    { DATA_DIR: dir, DATABASE_URL: databaseUrl, SMTP_URL: smtpUrl, SECRET_KEY: 'bench-secret-0123456789abcdef0123456789', LOG_LEVEL: 'error', APP_URL: 'https://portal.example.com' },
    dir,
  );
  const app = await createApp(config, { runJobs: false });
  await app.init();
  const db = app.get(Database);
  if (mode === 'prepare') {
    const list = await seedList(db, 'Weekly news', `bench-${randomBytes(3).toString('hex')}`);
    await seedSubscribers(db, list.id, n, 'r', 'example.test');
    const { id, recipients } = await startCampaign(db, { subject: 'This week, {{name}}', preheader: 'New lessons', body: BODY, listIds: [list.id] });
    if (recipients !== n) throw new Error(`expected ${n} recipients, got ${recipients}`);
    process.send!({ campaignId: id });
    await app.close();
    return;
  }
  /** Tells the parent this process is set up, and waits for its go (the parent may have stopped it until its turn). */
  const ready = () =>
    new Promise<void>((resolve) => {
      // A 'message' listener keeps the IPC channel (so the process) alive: removed once the go has come.
      const onMessage = (m: { go?: boolean }) => m.go && (process.off('message', onMessage), resolve());
      process.on('message', onMessage);
      process.send!({ ready: true });
    });
  const list = mode === 'raw' ? await seedList(db, 'Weekly news', `bench-${randomBytes(3).toString('hex')}`) : null;

  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const debug = process.env.BENCH_DEBUG_MEM
    ? setInterval(() => {
        const u = process.memoryUsage();
        console.log(`rss ${(u.rss / 1048576).toFixed(0)} heapUsed ${(u.heapUsed / 1048576).toFixed(0)} heapTotal ${(u.heapTotal / 1048576).toFixed(0)} external ${(u.external / 1048576).toFixed(0)} buffers ${(u.arrayBuffers / 1048576).toFixed(0)}`);
      }, 5000)
    : null;
  let seconds: number;
  let sent = n;
  let cpu0 = process.cpuUsage();
  let gcMs = 0;
  // A pause of a turn's length is this process frozen mid-GC while the other side had its turn, not GC work.
  const gc = new PerformanceObserver((list) => list.getEntries().forEach((e) => (gcMs += e.duration < TURN_MS / 4 ? e.duration : 0)));
  gc.observe({ entryTypes: ['gc'] });
  if (mode === 'raw') {
    // The same mail the pipeline sends (a rendered campaign mail with its headers), n times, different To.
    const brand = await app.get(CampaignRenderer).brand();
    const builder = new CampaignMessageBuilder(config, app.get(MailingTokens), 1, brand.marketingFrom);
    const compiled = app.get(CampaignRenderer).compile({ subject: 'This week, {{name}}', preheader: 'New lessons', bodyFormat: 'markdown', body: BODY }, list!, brand);
    const transport = createMailTransport(config)!;
    const window = Math.max(4, config.mailPoolSize * 4);
    const mail = builder.build(compiled, { id: 1, subscriberId: 1, listId: list!.id, email: 'r0@example.test', name: 'Reader 0', locale: 'en' }, list);
    await ready();
    peak = process.memoryUsage().rss;
    cpu0 = process.cpuUsage();
    gcMs = 0;
    const t0 = process.hrtime.bigint();
    let next = 0;
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (next < n) {
          const i = next++;
          // Each copy differs in its name and its list headers, as real mail does (V8 would otherwise reuse work
          // done on the one identical string): a string replacement per part, nothing else.
          const name = `Reader ${i}`;
          const id36 = (i + 1).toString(36);
          await transport.send({
            ...mail,
            to: `"${name}" <r${i}@example.test>`,
            subject: mail.subject.replace('Reader 0', name),
            html: mail.html.replace('Reader 0', name),
            text: mail.text.replace('Reader 0', name),
            headers: { ...mail.headers, 'List-Unsubscribe': mail.headers['List-Unsubscribe'].replace(/\/u\/1\./g, `/u/${id36}.`).replace(/unsubscribe%201\./, `unsubscribe%20${id36}.`) },
            messageId: `<raw.${i}@portal.example.com>`,
          });
        }
      }),
    );
    seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    transport.close();
  } else {
    // The audience was written by the 'prepare' process: this process only sends, so its memory is the sender's.
    const id = Number(process.env.BENCH_CAMPAIGN_ID);
    await ready();
    peak = process.memoryUsage().rss;
    cpu0 = process.cpuUsage();
    gcMs = 0;
    const t0 = process.hrtime.bigint();
    const status = await app.get(CampaignSender).runUntilDone(id, { pollMs: 50 });
    seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const rows: { n: number | string }[] = await db.manager.query(`SELECT COUNT(*) AS n FROM campaign_recipients WHERE campaign_id = ? AND status = 'sent'`, [id]);
    sent = Number(rows[0].n);
    if (status !== 'sent' || sent !== n) throw new Error(`campaign ended ${status} with ${sent} of ${n} sent`);
  }
  const cpu = process.cpuUsage(cpu0);
  gc.disconnect();
  clearInterval(sampler);
  if (debug) clearInterval(debug);
  peak = Math.max(peak, process.memoryUsage().rss);
  const result: Result = { mode, n, seconds, peakRssMb: peak / 1024 / 1024, sent, cpuMicros: cpu.user + cpu.system, sysMicros: cpu.system, gcMs };
  process.send!(result);
  await app.close();
}

// ---------------------------------------------------------------------------------------------------------------
function child(args: string[]): ChildProcess {
  return fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Runs a process to its end and returns the last message it sent. */
function run<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const c = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env }, execArgv: NODE_FLAGS });
    let result: T | null = null;
    c.on('message', (m: T) => (result = m));
    c.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });
}

/** A measuring process: `ready` once it is set up and waits for its go; `finished` with its result; `exited`. */
interface Measuring {
  proc: ChildProcess;
  ready: Promise<void>;
  finished: Promise<Result>;
  exited: Promise<void>;
}

function startMeasuring(args: string[], env: Record<string, string> = {}): Measuring {
  const proc = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env }, execArgv: NODE_FLAGS });
  let onReady!: () => void;
  let onFinished!: (r: Result) => void;
  let fail!: (e: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  const ready = Promise.race([new Promise<void>((r) => (onReady = r)), failed]);
  const finished = Promise.race([new Promise<Result>((r) => (onFinished = r)), failed]);
  let result: Result | null = null;
  proc.on('message', (m: Result | { ready: true }) => ('ready' in m ? onReady() : onFinished((result = m))));
  const exited = new Promise<void>((resolve, reject) =>
    proc.on('exit', (code) => {
      if (result) return resolve();
      const e = new Error(`${args.join(' ')} exited ${code}`);
      fail(e);
      reject(e);
    }),
  );
  exited.catch(() => undefined);
  return { proc, ready, finished, exited };
}

/**
 * Raw and pipeline take turns on the machine: while one runs, the other is frozen (SIGSTOP), and they swap every
 * TURN_MS until one is done; the other then runs alone to its end. A side's rate is its messages over the time it
 * was running, so each is measured at full speed with the machine to itself, and a machine that drifts faster or
 * slower during the minutes of a run (these VMs drift by ±15%) weighs on both alike. Returns the results with
 * `seconds` replaced by each side's running time, and the number of turns taken.
 */
async function takeTurns(sides: [Measuring, Measuring]): Promise<{ results: [Result, Result]; turns: number }> {
  await Promise.all(sides.map((s) => s.ready));
  const running = [0, 0];
  const done = [false, false];
  let current = 0;
  let turns = 1;
  let since = process.hrtime.bigint();
  const account = () => {
    const t = process.hrtime.bigint();
    running[current] += Number(t - since) / 1e9;
    since = t;
  };
  sides[1].proc.kill('SIGSTOP');
  for (const s of sides) s.proc.send({ go: true });
  since = process.hrtime.bigint();
  const timer = setInterval(() => {
    if (done[0] || done[1]) return;
    account();
    sides[current].proc.kill('SIGSTOP');
    current = 1 - current;
    sides[current].proc.kill('SIGCONT');
    turns++;
  }, TURN_MS);
  try {
    const results = (await Promise.all(
      sides.map((s, i) =>
        s.finished.then((r) => {
          // Its result may arrive just after its turn ended: then its time is already counted.
          if (current === i) account();
          done[i] = true;
          s.proc.kill('SIGCONT'); // let it shut down, whoever's turn it is
          if (!done[1 - i] && current === i) {
            current = 1 - i;
            sides[current].proc.kill('SIGCONT');
          }
          return { ...r, seconds: running[i] };
        }),
      ),
    )) as [Result, Result];
    await Promise.all(sides.map((s) => s.exited));
    return { results, turns };
  } finally {
    clearInterval(timer);
    for (const s of sides) if (s.proc.exitCode === null) (s.proc.kill('SIGCONT'), s.proc.kill('SIGKILL'));
  }
}

/** A fresh database for one measurement: a new SQLite file, or a new database on the MySQL server. */
async function freshDatabase(kind: 'sqlite' | 'mysql'): Promise<{ url: string; dir: string; drop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-bench-mail-'));
  if (kind === 'sqlite') return { url: `sqlite:${path.join(dir, 'bench.sqlite')}`, dir, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  const db = await scratchMysqlDatabase(process.env.TEST_DATABASE_URL!, 'kb_bench');
  return {
    url: db.url,
    dir,
    drop: async () => {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a campaign of n recipients into db and starts the process that will send it. */
async function startPipeline(n: number, db: { url: string; dir: string }, smtpUrl: string): Promise<Measuring> {
  const { campaignId } = await run<{ campaignId: number }>(['measure', 'prepare', String(n), db.url, smtpUrl, db.dir]);
  return startMeasuring(['measure', 'pipeline', String(n), db.url, smtpUrl, db.dir], { BENCH_CAMPAIGN_ID: String(campaignId) });
}

/** Raw and pipeline, n messages each, taking turns (see takeTurns). */
async function compare(n: number, kind: 'sqlite' | 'mysql', smtpUrl: string) {
  const rawDb = await freshDatabase(kind);
  const pipelineDb = await freshDatabase(kind);
  try {
    const pipeline = await startPipeline(n, pipelineDb, smtpUrl);
    const raw = startMeasuring(['measure', 'raw', String(n), rawDb.url, smtpUrl, rawDb.dir]);
    const { results, turns } = await takeTurns([raw, pipeline]);
    return { raw: results[0], pipeline: results[1], turns };
  } finally {
    await rawDb.drop();
    await pipelineDb.drop();
  }
}

/** The pipeline alone (for its memory at a smaller audience). */
async function pipelineAlone(n: number, kind: 'sqlite' | 'mysql', smtpUrl: string): Promise<Result> {
  const db = await freshDatabase(kind);
  try {
    const p = await startPipeline(n, db, smtpUrl);
    await p.ready;
    p.proc.send({ go: true });
    const r = await p.finished;
    await p.exited;
    return r;
  } finally {
    await db.drop();
  }
}

async function main() {
  const sink = child(['sink']);
  const port = await new Promise<number>((resolve) => sink.once('message', (m: { port: number }) => resolve(m.port)));
  const smtpUrl = `smtp://127.0.0.1:${port}`;
  const kinds: ('sqlite' | 'mysql')[] = ['sqlite'];
  if (/^(mysql|mariadb):\/\//.test(process.env.TEST_DATABASE_URL ?? '')) kinds.push('mysql');
  else console.log('(TEST_DATABASE_URL not set: MariaDB/MySQL run skipped)');
  if (process.env.BENCH_MAIL_ONLY) kinds.splice(0, kinds.length, ...kinds.filter((k) => k === process.env.BENCH_MAIL_ONLY));
  console.log(`(each measured process runs with ${HEAP_FLAGS.join(' ') || "V8's default heap limit"}, as the app does)`);
  try {
    for (const kind of kinds) {
      const { raw, pipeline, turns } = await compare(N, kind, smtpUrl);
      const small = await pipelineAlone(SMALL_N, kind, smtpUrl);
      const rate = (r: Result) => r.n / r.seconds;
      if (kinds.length > 1) console.log(kind === 'sqlite' ? 'SQLite:' : 'MariaDB/MySQL:');
      console.log(
        `mail: pipeline ${rate(pipeline).toFixed(0)} msg/s, raw ${rate(raw).toFixed(0)} msg/s, ratio ${(rate(pipeline) / rate(raw)).toFixed(2)}, ` +
          `peak RSS ${pipeline.peakRssMb.toFixed(0)} MB (${SMALL_N / 1000}k: ${small.peakRssMb.toFixed(0)} MB)`,
      );
      const perMsg = (r: Result) => `${(r.cpuMicros / r.n).toFixed(0)} µs (kernel ${(r.sysMicros / r.n).toFixed(0)})`;
      const gcShare = (r: Result) => `${((r.gcMs / 1000 / r.seconds) * 100).toFixed(0)}%`;
      console.log(
        `(raw and pipeline took ${turns} turns of ${TURN_MS} ms, running ${raw.seconds.toFixed(0)} s and ${pipeline.seconds.toFixed(0)} s; ` +
          `sender CPU per message: raw ${perMsg(raw)}, pipeline ${perMsg(pipeline)}; in GC: raw ${gcShare(raw)}, pipeline ${gcShare(pipeline)})`,
      );
    }
  } finally {
    sink.kill();
  }
}

const [role, ...rest] = process.argv.slice(2);
const entry =
  role === 'sink' ? sinkMain() : role === 'measure' ? measureMain(rest[0] as 'raw' | 'pipeline' | 'prepare', Number(rest[1]), rest[2], rest[3], rest[4]) : main();
entry.catch((e) => {
  console.error(e);
  process.exit(1);
});
