import { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';
import { SQLITE_PRAGMAS } from './data-source';
import type { Database } from './database.service';
import { withRetries } from './database.service';
import type { SqliteConnection } from './sqlite-connection';

/** Named operations on one SQLite connection; each call runs as one IMMEDIATE transaction. */
export type SqliteOps = Record<string, (...args: any[]) => unknown>;

/**
 * Builds the operations for a connection. It must be self-contained — a plain function using nothing but its
 * arguments and JavaScript itself (no imports, no outer variables) — because its source text is what a
 * SqliteThread runs. Prepare statements once, here.
 */
export type SqliteOpsFactory<A, O extends SqliteOps> = (conn: SqliteConnection, arg: A) => O;

/** Runs the operations of a factory somewhere: on a thread of their own (SqliteThread) or inline. */
export interface SqliteOpsHost<O extends SqliteOps> {
  run<K extends keyof O & string>(op: K, ...args: Parameters<O[K]>): Promise<ReturnType<O[K]>>;
  close(): Promise<void>;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: { message: string; code?: string };
}

/**
 * What the thread runs, after `const factory = …;`. Not called in this thread: its source text is the worker's
 * script, so it may use only `require` and its worker data.
 */
function threadMain(): void {
  const { parentPort, workerData } = require('node:worker_threads');
  const Sqlite = require(workerData.driver);
  const conn = new Sqlite(workerData.file);
  for (const p of workerData.pragmas) conn.pragma(p);
  // @ts-expect-error `factory` is declared by the script this function's source is appended to
  const ops = factory(conn, workerData.arg);
  parentPort.on('message', (m: { id: number; op: string; args: unknown[] } | { close: true }) => {
    if ('close' in m) {
      conn.close();
      parentPort.close();
      return;
    }
    let reply;
    try {
      reply = { id: m.id, result: conn.transaction(() => ops[m.op](...m.args)).immediate() };
    } catch (e) {
      const err = e as { message?: string; code?: string };
      reply = { id: m.id, error: { message: String(err?.message ?? e), code: err?.code } };
    }
    parentPort.postMessage(reply);
  });
}

/**
 * A worker thread with a better-sqlite3 connection of its own to the app's database file, for statements on a
 * hot path that should neither hold the event loop nor share the CPU caches of the thread serving requests
 * (the campaign sender claims and records thousands of rows a second). SQLite in WAL mode lets this connection
 * write while the app's connection reads; writers take turns on the database's write lock, and every
 * transaction begins IMMEDIATE (on the app's connection too, see data-source.ts), so none fails half-way on a
 * snapshot another connection moved on from. A lock held past busy_timeout comes back as SQLITE_BUSY and the
 * call is retried.
 *
 * The thread starts on the first call and keeps the process alive only while calls are pending.
 */
export class SqliteThread<A, O extends SqliteOps> implements SqliteOpsHost<O> {
  private worker: Worker | null = null;
  private closed = false;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: never) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly file: string,
    private readonly factory: SqliteOpsFactory<A, O>,
    private readonly arg: A,
    private readonly retries = 7,
  ) {}

  run<K extends keyof O & string>(op: K, ...args: Parameters<O[K]>): Promise<ReturnType<O[K]>> {
    return withRetries(() => this.call(op, args), this.retries) as Promise<ReturnType<O[K]>>;
  }

  private call(op: string, args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('the SQLite thread is closed'));
    const worker = this.worker ?? this.start();
    const id = ++this.seq;
    if (!this.pending.size) worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ id, op, args });
      } catch (e) {
        // Arguments that cannot be cloned: nothing was sent, so nothing will answer.
        this.settle({ id, error: { message: (e as Error).message } });
      }
    });
  }

  private start(): Worker {
    const source = `const factory = (${this.factory.toString()});\n(${threadMain.toString()})();`;
    const worker = new Worker(source, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), file: this.file, pragmas: SQLITE_PRAGMAS, arg: this.arg },
      // Its heap holds one call's rows at a time: small limits, rather than the app's (16 MB semi-spaces).
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 },
    });
    worker.unref();
    worker.on('message', (m: Reply) => this.settle(m));
    const fail = (e: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the SQLite thread exited (${code})`)));
    return (this.worker = worker);
  }

  private settle(m: Reply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (!this.pending.size) this.worker?.unref();
    if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    else p.resolve(m.result as never);
  }

  /** Calls already made are answered first; later ones are refused. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    worker.ref();
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ close: true });
    });
  }
}

/** The same operations on the app's own connection, in its transaction queue: for an in-memory database, which no other connection can open. */
export class InlineSqliteOps<A, O extends SqliteOps> implements SqliteOpsHost<O> {
  private ops: { conn: SqliteConnection; ops: O } | null = null;

  constructor(
    private readonly db: Database,
    private readonly factory: SqliteOpsFactory<A, O>,
    private readonly arg: A,
  ) {}

  run<K extends keyof O & string>(op: K, ...args: Parameters<O[K]>): Promise<ReturnType<O[K]>> {
    return this.db.sqliteTransaction(
      (conn) => {
        if (this.ops?.conn !== conn) this.ops = { conn, ops: this.factory(conn, this.arg) };
        return this.ops.ops[op](...args) as ReturnType<O[K]>;
      },
      { retries: 7 },
    );
  }

  async close(): Promise<void> {}
}

/** The database file behind the app's SQLite connection (`:memory:` for an in-memory database). */
function sqliteFileOf(dataSource: DataSource): string {
  return String((dataSource.options as { database?: unknown }).database ?? ':memory:');
}

/** The operations on a thread of their own, or inline when the database is in memory. SQLite only. */
export function sqliteOpsHost<A, O extends SqliteOps>(db: Database, factory: SqliteOpsFactory<A, O>, arg: A): SqliteOpsHost<O> {
  const file = sqliteFileOf(db.dataSource);
  return file === ':memory:' ? new InlineSqliteOps(db, factory, arg) : new SqliteThread(file, factory, arg);
}
