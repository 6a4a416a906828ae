/**
 * npm run bench:members — the members' area under load, measured side by side in one process start:
 *  (a) a logged-in lesson page vs (b) a bare route of the same app returning a constant (autocannon, 50
 *      connections, 20 s each);
 *  (a') the lesson page at an ordinary load: 200 requests a second on a fixed schedule (open loop, see
 *      open-loop.ts), 20 s, its p99 the latency a user feels (target: 25 ms). The p99 of (a) is only the queue
 *      50 connections make at full throughput (about 50 / req/s);
 *  (c) a 1 GiB protected download vs (d) plain res.sendFile of the same file, alternated three times.
 * Prints: members: lesson R1 (X req/s vs Y req/s bare, p99 Z ms, p99 at 200/s W ms) | download R2 (A MB/s vs B MB/s)
 * and then, to show where the lesson page's time goes, the server's CPU time per request of the bare route, of a
 * Nest route that only resolves the session (/healthz with the cookie) and of the lesson page.
 */
process.env.TZ = 'UTC';
import 'reflect-metadata';
import type autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Request, Response } from 'express';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/config';
import { Database } from '../src/database/database.service';
import { GrantsService } from '../src/members/access/grants.service';
import { Lesson } from '../src/members/catalogue/entities/lesson.entity';
import { Product } from '../src/members/catalogue/entities/product.entity';
import { StoredFile } from '../src/members/catalogue/entities/stored-file.entity';
import { UsersService } from '../src/users/users.service';
import { get, login } from './http';
import { openLoop } from './open-loop';

const DURATION = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = 50;
const FILE_BYTES = Number(process.env.BENCH_FILE_MB ?? 1024) * 1024 * 1024;
/** The ordinary load of (a'), in requests a second. */
const RATE = Number(process.env.BENCH_RATE ?? 200);

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-bench-'));
  // NODE_ENV unset, as `npm start` runs it (package.json gives this process `npm start`'s node flags too).
  const config = loadConfig(
    { DATA_DIR: dir, SECRET_KEY: 'bench-secret-0123456789abcdef0123456789', LOG_LEVEL: 'error', DEFAULT_LOCALE: 'en', LOGIN_MAX_PER_IP: '100000' },
    dir,
  );
  const app = await createApp(config, { runJobs: false });
  const filePath = path.join(config.filesDir, 'bench-file');

  // The two baselines live in the same app, behind the same helmet and cookie parser, but outside Nest.
  app.use('/__bench/bare', (_req: Request, res: Response) => res.type('text/plain').send('ok'));
  app.use('/__bench/sendfile', (_req: Request, res: Response) => res.sendFile(filePath));
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;

  const db = app.get(Database);
  const password = 'bench password 123';
  const { lessonId, fileId, email } = await db.transaction(async (m) => {
    const client = await app.get(UsersService).create(m, { email: 'bench@example.com', name: 'Bench', role: 'client', password });
    const now = new Date();
    const product = await m.save(Product, m.create(Product, { slug: 'bench', title: 'Bench course', description: '', priceLabel: '', status: 'published', endGrantOnRefund: true, createdAt: now, updatedAt: now }));
    let lesson!: Lesson;
    for (let i = 1; i <= 50; i++) {
      const body = `## Lesson ${i}\n\n` + 'Some **text** with a [link](https://example.com). '.repeat(40);
      lesson = await m.save(Lesson, m.create(Lesson, { productId: product.id, sectionId: null, title: `Lesson ${i}`, bodyMd: body, bodyHtml: `<h2>Lesson ${i}</h2><p>${'Some <strong>text</strong>. '.repeat(40)}</p>`, position: i, dripDays: null, dripDate: null, createdAt: now, updatedAt: now }));
    }
    const file = await writeFile(filePath);
    const stored = await m.save(StoredFile, m.create(StoredFile, { productId: product.id, lessonId: lesson.id, originalName: 'course.bin', storageKey: 'bench-file', sizeBytes: FILE_BYTES, contentType: 'application/octet-stream', sha256: file, createdBy: null, createdAt: now }));
    await app.get(GrantsService).grant(m, { userId: null, label: 'bench', ip: '' }, { clientId: client.id, productId: product.id, source: 'manual', endsAt: null });
    return { lessonId: lesson.id, fileId: stored.id, email: client.email };
  });

  const cookie = await login(base, email, password);
  const lessonUrl = `${base}/account/lessons/${lessonId}`;
  const check = await get(lessonUrl, cookie);
  if (check.status !== 200) throw new Error(`lesson page answered ${check.status}`);

  const lesson = await load(lessonUrl, cookie);
  const ordinary = await openLoop({ url: lessonUrl, headers: { cookie }, rate: RATE, seconds: DURATION, warmupSeconds: 2 });
  const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '∞');
  const atRate = `p99 at ${RATE}/s ${ms(ordinary.p99)} ms`;
  if (process.env.BENCH_ONLY === 'lesson') {
    console.log(`lesson only: ${lesson.requests.average.toFixed(0)} req/s, p99 ${lesson.latency.p99} ms, ${atRate}, server CPU ${cpuPerRequest(lesson)} µs/request`);
    await app.close();
    return;
  }
  const bare = await load(`${base}/__bench/bare`);
  const r1 = lesson.requests.average / bare.requests.average;
  // Where the lesson page's time goes: a Nest route that does almost nothing but resolve the session.
  const nest = await load(`${base}/healthz`, cookie);

  let protectedBps = 0;
  let plainBps = 0;
  await download(`${base}/__bench/sendfile`); // warm the page cache, so neither side pays for the disk
  for (let round = 0; round < 3; round++) {
    // alternate which goes first, so drift on a noisy machine does not favour one side
    if (round % 2 === 0) {
      protectedBps += await download(`${base}/account/files/${fileId}`, cookie);
      plainBps += await download(`${base}/__bench/sendfile`);
    } else {
      plainBps += await download(`${base}/__bench/sendfile`);
      protectedBps += await download(`${base}/account/files/${fileId}`, cookie);
    }
  }
  const r2 = protectedBps / plainBps;
  const mb = (bps: number) => (bps / 3 / 1024 / 1024).toFixed(0);

  console.log(
    `members: lesson ${r1.toFixed(2)} (${lesson.requests.average.toFixed(0)} req/s vs ${bare.requests.average.toFixed(0)} req/s bare, p99 ${lesson.latency.p99} ms, ${atRate}) | ` +
      `download ${r2.toFixed(2)} (${mb(protectedBps)} MB/s vs ${mb(plainBps)} MB/s)`,
  );
  console.log(
    `members: server CPU per request: bare ${cpuPerRequest(bare)} µs | Nest route with the session resolved (/healthz) ${cpuPerRequest(nest)} µs | ` +
      `lesson page ${cpuPerRequest(lesson)} µs`,
  );
  console.log(
    `members: lesson page at ${RATE}/s (open loop, ${ordinary.sent} requests): p50 ${ms(ordinary.p50)} ms, p99 ${ms(ordinary.p99)} ms, ` +
      `max ${ms(ordinary.max)} ms (of which the client's own timer sent late: p99 ${ordinary.sendLagP99.toFixed(1)} ms, max ${ordinary.sendLagMax.toFixed(1)} ms)`,
  );
  if (lesson.non2xx || lesson.errors) console.log(`warning: lesson run had ${lesson.non2xx} non-2xx answers and ${lesson.errors} errors`);
  if (ordinary.non2xx || ordinary.errors) console.log(`warning: the ${RATE}/s run had ${ordinary.non2xx} non-2xx answers and ${ordinary.errors} errors`);
  await app.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

async function writeFile(file: string): Promise<string> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const hash = createHash('sha256');
  const chunk = randomBytes(8 * 1024 * 1024);
  const out = fs.createWriteStream(file);
  for (let written = 0; written < FILE_BYTES; written += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, FILE_BYTES - written));
    hash.update(part);
    if (!out.write(part)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return hash.digest('hex');
}

/**
 * The load generator runs in a child process, so it does not take the server's CPU: on a 2-core machine the
 * server gets one core, autocannon the other, for both routes alike.
 */
type Load = autocannon.Result & { cpuMicros: number };

function load(url: string, cookie?: string): Promise<Load> {
  const opts = { url, connections: CONNECTIONS, duration: DURATION, headers: cookie ? { cookie } : {} };
  const script = `require('autocannon')(JSON.parse(process.env.AC_OPTS), (e, r) => { if (e) throw e; process.stdout.write(JSON.stringify(r)); })`;
  const before = process.cpuUsage();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: { ...process.env, AC_OPTS: JSON.stringify(opts) }, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      const cpu = process.cpuUsage(before);
      resolve({ ...(JSON.parse(stdout) as autocannon.Result), cpuMicros: cpu.user + cpu.system });
    });
  });
}

/** The server's CPU time (this process: the app, its GC and SQLite) per answered request, in µs. */
function cpuPerRequest(r: Load): string {
  return (r.cpuMicros / Math.max(1, r.requests.total)).toFixed(0);
}

/** Bytes per second for one whole download, read and discarded. */
function download(url: string, cookie?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get(url, { headers: cookie ? { cookie } : {} }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`${url} answered ${res.statusCode}`));
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => {
          if (bytes !== FILE_BYTES) return reject(new Error(`${url}: got ${bytes} of ${FILE_BYTES} bytes`));
          resolve(bytes / (Number(process.hrtime.bigint() - started) / 1e9));
        });
      })
      .on('error', reject);
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
