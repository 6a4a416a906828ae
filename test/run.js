#!/usr/bin/env node
// `npm test`: type-checks everything (src, migrations, tests, bench), then runs jest in legs (unit, e2e on SQLite,
// e2e on MariaDB/MySQL, browser) and prints a summary.
//   npm test -- [--leg=types|unit|sqlite|mysql|browser ...] [jest args, e.g. a test path pattern]
// ts-jest compiles each file on its own (isolatedModules), so a type error jest would run past fails the types leg.
// A leg whose tool is missing (mariadbd, chromium) is skipped with the reason; with CI=true a skip is a failure.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const JEST = path.join(ROOT, 'node_modules', '.bin', 'jest');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');
const LEGS = ['types', 'unit', 'sqlite', 'mysql', 'browser'];
const IN_CI = /^(true|1)$/i.test(process.env.CI || '');
const EXIT_GRACE_MS = 30_000;

const selected = [];
const jestArgs = [];
for (const a of process.argv.slice(2)) {
  if (a.startsWith('--leg=')) selected.push(...a.slice(6).split(','));
  else jestArgs.push(a);
}
const unknown = selected.filter((l) => !LEGS.includes(l));
if (unknown.length) console.error(`Unknown leg ${unknown.join(', ')}; choose from ${LEGS.join(', ')}`), process.exit(2);
// With a test path pattern, a leg may legitimately have nothing to run (and the type check is left out unless asked for).
const filtered = jestArgs.some((a) => !a.startsWith('-'));
const legs = selected.length ? LEGS.filter((l) => selected.includes(l)) : LEGS.filter((l) => !(filtered && l === 'types'));

let child = null; // the process running now, killed on Ctrl-C
let mariadb = null; // { pid, dir } of a throwaway server we started

function run(cmd, args, env, stdout = 'inherit') {
  return new Promise((resolve) => {
    child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', stdout, 'inherit'] });
    let out = '';
    if (stdout === 'pipe') child.stdout.on('data', (d) => (out += d));
    child.on('error', (e) => resolve({ code: 127, out: String(e) }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  }).finally(() => (child = null));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** fn(), or false if it throws. */
function attempt(fn) {
  try {
    return fn();
  } catch {
    return false;
  }
}
const alive = (pid) => attempt(() => process.kill(pid, 0));
const isExecutable = (f) => attempt(() => fs.accessSync(f, fs.constants.X_OK) ?? fs.statSync(f).isFile());

/** Synchronous, so it also works from signal and exit handlers. */
function stopMariadb() {
  if (!mariadb) return;
  const { pid, dir } = mariadb;
  mariadb = null;
  try {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 150 && alive(pid); i++) sleepSync(100);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

const findMariadbd = () =>
  [...(process.env.PATH || '').split(path.delimiter), '/usr/sbin'].map((d) => path.join(d, 'mariadbd')).find(isExecutable);

async function jestLeg(project, env, extra) {
  const out = path.join(os.tmpdir(), `kabinet-jest-${process.pid}-${project}-${Date.now()}.json`);
  const args = ['--selectProjects', project, '--json', `--outputFile=${out}`, ...extra, ...jestArgs];
  if (filtered && !args.includes('--passWithNoTests')) args.push('--passWithNoTests');
  const done = run(JEST, args, env);
  // jest writes its report when the run ends; if it then stays alive (an open handle), it would hang CI forever.
  const proc = child;
  let reportAt = 0;
  let hung = false;
  const watchdog = setInterval(() => {
    if (!reportAt && fs.existsSync(out)) reportAt = Date.now();
    if (reportAt && Date.now() - reportAt > EXIT_GRACE_MS) (hung = true), proc.kill('SIGKILL');
  }, 1000);
  const { code } = await done;
  clearInterval(watchdog);
  const r = attempt(() => JSON.parse(fs.readFileSync(out, 'utf8'))); // false if jest crashed before writing it
  fs.rmSync(out, { force: true });
  if (!r) return { ok: false, note: `jest exited with ${code} and wrote no report` };
  const counts = { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + (r.numTodoTests || 0) };
  if (hung) return { ok: false, ...counts, note: `jest did not exit ${EXIT_GRACE_MS / 1000} s after the run (open handles? try --detectOpenHandles)` };
  if (!r.numTotalTestSuites && code !== 0) return { ok: false, ...counts, note: 'no test files found' };
  const broken = r.numRuntimeErrorTestSuites ? `, ${r.numRuntimeErrorTestSuites} suite(s) failed to run` : '';
  return { ok: code === 0, ...counts, note: code === 0 ? '' : `jest exited with ${code}${broken}` };
}

const withoutDbUrl = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'TEST_DATABASE_URL'));

const LEG_RUNNERS = {
  async types() {
    const { code } = await run(TSC, ['-p', path.join(ROOT, 'test/tsconfig.json'), '--noEmit'], process.env);
    return { ok: code === 0, note: code === 0 ? '' : `tsc found type errors (exit ${code})` };
  },
  unit: () => jestLeg('unit', process.env, ['--passWithNoTests']),
  sqlite: () => jestLeg('e2e', withoutDbUrl(), ['--runInBand']),
  async mysql() {
    if (process.env.TEST_DATABASE_URL) {
      console.log(`MariaDB/MySQL leg: using TEST_DATABASE_URL (${process.env.TEST_DATABASE_URL.replace(/\/\/[^@]*@/, '//***@')})`);
      return jestLeg('e2e', process.env, ['--runInBand']);
    }
    if (!findMariadbd()) return { skip: 'no TEST_DATABASE_URL and no mariadbd on this machine (apt-get install -y mariadb-server to run it)' };
    const port = await freePort();
    console.log(`MariaDB/MySQL leg: starting a throwaway mariadbd on 127.0.0.1:${port}`);
    const started = await run('bash', [path.join(ROOT, 'test/utils/mariadb-throwaway.sh'), String(port)], process.env, 'pipe');
    const vars = Object.fromEntries(started.out.split('\n').map((l) => l.match(/^(\w+)=(.*)$/)?.slice(1)).filter(Boolean));
    if (vars.MARIADB_PID) mariadb = { pid: Number(vars.MARIADB_PID), dir: vars.MARIADB_DIR };
    try {
      if (started.code !== 0 || !vars.TEST_DATABASE_URL) return { ok: false, note: `could not start mariadbd (exit ${started.code})` };
      return await jestLeg('e2e', { ...process.env, TEST_DATABASE_URL: vars.TEST_DATABASE_URL }, ['--runInBand']);
    } finally {
      stopMariadb();
    }
  },
  browser() {
    const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium'].find((f) => f && isExecutable(f));
    if (!chromium) return { skip: 'no Chromium at /usr/bin/chromium and CHROMIUM_PATH is not set (apt-get install -y chromium to run it)' };
    return jestLeg('browser', { ...withoutDbUrl(), CHROMIUM_PATH: chromium }, ['--runInBand']);
  },
};

const LABELS = { types: 'types', unit: 'unit', sqlite: 'e2e SQLite', mysql: 'e2e MariaDB', browser: 'browser' };
const SKIP_NAMES = { mysql: 'MariaDB', browser: 'Chromium' }; // "SKIPPED MariaDB leg: <reason>"

function onSignal(sig) {
  console.error(`\n${sig}: stopping`);
  if (child) child.kill(sig);
  stopMariadb();
  process.exit(130);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.on('exit', stopMariadb);

async function main() {
  const results = [];
  for (const leg of legs) {
    console.log(`\n=== ${LABELS[leg]} ===`);
    const t0 = Date.now();
    const r = await LEG_RUNNERS[leg]();
    r.seconds = (Date.now() - t0) / 1000;
    if (r.skip) {
      console.log(`SKIPPED ${SKIP_NAMES[leg]} leg: ${r.skip}`);
      if (IN_CI) console.log('CI=true: nothing may be skipped in CI, so this counts as a failure');
    }
    results.push({ leg, ...r });
  }

  const rows = results.map((r) => [
    LABELS[r.leg],
    r.skip ? (IN_CI ? 'FAILED' : 'SKIPPED') : r.ok ? 'ok' : 'FAILED',
    ...(r.skip || r.passed === undefined ? ['-', '-', '-'] : [r.passed, r.failed, r.skipped].map(String)),
    r.skip ? '-' : r.seconds.toFixed(1),
    r.skip ? `skipped: ${r.skip}` : r.note || '',
  ]);
  const head = ['leg', 'result', 'passed', 'failed', 'skipped', 'seconds', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => (i >= 2 && i <= 5 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ').trimEnd();
  console.log(`\n${line(head)}\n${rows.map(line).join('\n')}\n`);

  const sum = (k) => results.reduce((n, r) => n + (r[k] || 0), 0);
  const failed = results.some((r) => (r.skip ? IN_CI : !r.ok));
  console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(1); // the exit handler stops mariadbd
});
