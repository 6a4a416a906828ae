/**
 * An open-loop load generator: GET requests sent on a fixed schedule (`rate` a second) whether or not the earlier
 * ones have been answered, each one's latency counted from the moment it was due. A server that stalls for
 * 100 ms is so charged for every request due during the stall, as the users who sent them would feel it.
 *
 * autocannon's `overallRate` / `connectionRate` are not this: each connection waits for its answer before it sends
 * again, and a second's quota goes out in a burst at the start of the second, so a stall delays the requests
 * instead of showing in their latency (coordinated omission; its correction assumes an interval of
 * ceil(1000 / rate) ms per connection, which at a few requests a second per connection is 1 ms).
 *
 * It runs in a process of its own (`openLoop()` forks this file), so it does not take the server's CPU.
 */
import { fork } from 'node:child_process';
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface OpenLoopOptions {
  url: string;
  headers?: Record<string, string>;
  /** Requests a second, evenly spaced. */
  rate: number;
  /** How long the measured part lasts. */
  seconds: number;
  /** Sent on the same schedule before the measured part, not counted. */
  warmupSeconds: number;
}

export interface OpenLoopResult {
  /** Measured requests (warm-up left out); every one was answered or counted in `errors`. */
  sent: number;
  non2xx: number;
  errors: number;
  /**
   * Latency percentiles from the scheduled send time to the last byte of a 2xx answer, in ms. A request that got
   * no answer (timed out after 10 s, or refused) counts as slower than any answer: Infinity.
   */
  p50: number;
  p99: number;
  max: number;
  /**
   * How late this client's own timer sent the requests (p99 and worst, in ms): included in their latency, so on a
   * busy machine it tells how much of the p99 is the client's own waiting for a CPU.
   */
  sendLagP99: number;
  sendLagMax: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** Runs the schedule in a child process and returns what it measured. */
export function openLoop(opts: OpenLoopOptions): Promise<OpenLoopResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], { execArgv: [], env: { ...process.env, OPEN_LOOP_OPTS: JSON.stringify(opts) } });
    let result: OpenLoopResult | null = null;
    child.once('message', (m: OpenLoopResult) => (result = m));
    child.once('error', reject);
    child.once('exit', (code) => (result ? resolve(result) : reject(new Error(`open-loop client exited with ${code} and no result`))));
  });
}

async function run({ url, headers = {}, rate, seconds, warmupSeconds }: OpenLoopOptions): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true });
  const interval = 1000 / rate;
  const warmup = Math.round(rate * warmupSeconds);
  const total = warmup + Math.round(rate * seconds);
  const latencies: number[] = [];
  const sendLags: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let outstanding = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((r) => (allDone = r));
  let next = 0;
  const start = performance.now() + 20;

  const send = (due: number, counted: boolean) => {
    outstanding++;
    let settled = false;
    const done = (ok: boolean, status = 0) => {
      if (settled) return;
      settled = true;
      if (counted) {
        if (!ok) {
          errors++;
          latencies.push(Infinity);
        } else if (status < 200 || status >= 300) non2xx++;
        else latencies.push(performance.now() - due);
      }
      if (--outstanding === 0 && next === total) allDone();
    };
    const req = http.get(url, { agent, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => done(true, res.statusCode ?? 0));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => done(false));
  };

  const tick = () => {
    const now = performance.now();
    // Everything due by now goes out now, each still timed from when it was due.
    while (next < total && start + next * interval <= now) {
      const due = start + next * interval;
      if (next >= warmup) sendLags.push(now - due);
      send(due, next >= warmup);
      next++;
    }
    if (next < total) setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
    else if (outstanding === 0) allDone();
  };
  setTimeout(tick, Math.max(0, start - performance.now()));
  await finished;
  agent.destroy();

  const lat = percentiles(latencies);
  const lag = percentiles(sendLags);
  return { sent: total - warmup, non2xx, errors, p50: lat(0.5), p99: lat(0.99), max: lat(1), sendLagP99: lag(0.99), sendLagMax: lag(1) };
}

function percentiles(values: number[]): (q: number) => number {
  const sorted = Float64Array.from(values).sort();
  return (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : NaN);
}

if (require.main === module) {
  run(JSON.parse(process.env.OPEN_LOOP_OPTS!) as OpenLoopOptions).then(
    (r) => process.send!(r, () => process.exit(0)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
