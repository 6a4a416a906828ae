import { OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { DatabaseConfig } from '../config/config';
import { dataSourceOptions } from './data-source';
import { migrate } from './migrate';
import type { SqliteConnection } from './sqlite-connection';

/**
 * SQLite: a unit of work waiting for the writer is refused once the one holding it has held it this long. Only the
 * holder's time counts, not the length of the line, so a burst of short units of work waits as long as it takes.
 */
const HELD_TOO_LONG_MS = 10_000;

/**
 * The database, and the one way to run a unit of work. Repositories take the `EntityManager` a unit of work
 * hands out, so a change and the outbox mail or audit entry it causes commit together; reads outside one use
 * `manager`. No unit of work sees another's uncommitted rows, and none joins another's transaction:
 *
 * - MySQL/MariaDB: one pool; each transaction has a connection of its own, `manager` reads on the others.
 * - SQLite: two connections. The writer runs every unit of work (`transaction`, `write`, `sqliteTransaction`)
 *   one at a time, in the order they were asked for: an async transaction keeps that connection across its
 *   awaits, and any statement sent down it meanwhile would become part of it. Everything else reads on a
 *   read-only connection (`manager`, HotQuery), which in WAL mode sees only committed data and never waits for
 *   the writer. A write through `manager` fails there ("attempt to write a readonly database").
 *
 * Never start a unit of work from inside another's work: pass the `EntityManager` you were given instead. On
 * SQLite the inner one would wait for the outer, so for itself; it is refused once the outer has held the writer
 * for HELD_TOO_LONG_MS, with an error that says so. (Telling at once would take an AsyncLocalStorage, whose promise hooks cost every request of the
 * app about 10% of its CPU on Node 20.)
 */
export class Database implements OnApplicationShutdown {
  readonly isMysql: boolean;
  /** SQLite: settles when the last unit of work in line for the writer has ended. */
  private line: Promise<void> = Promise.resolve();
  /** SQLite: when the unit of work now on the writer began. */
  private heldSince = 0;

  private constructor(
    private readonly writer: DataSource,
    private readonly reader: DataSource,
    /** SQLite: better-sqlite3's handles of the two connections, for synchronous statements (null on MySQL). */
    private readonly handles: { writer: SqliteConnection; reader: SqliteConnection } | null,
  ) {
    this.isMysql = !handles;
  }

  /** Opens the database and applies pending migrations (one instance at a time) before anything else runs. */
  static async open(config: DatabaseConfig, opts: { logging?: boolean } = {}): Promise<Database> {
    const options = dataSourceOptions(config, opts);
    if (options.type !== 'better-sqlite3') {
      const pool = await migrated(new DataSource(options));
      return new Database(pool, pool, null);
    }
    const handles = {} as { writer: SqliteConnection; reader: SqliteConnection };
    // prepareDatabase is TypeORM's hook to the better-sqlite3 connection it opens.
    const keep = (name: keyof typeof handles) => (c: SqliteConnection) => {
      options.prepareDatabase?.(c);
      handles[name] = c;
    };
    const writer = await migrated(new DataSource({ ...options, prepareDatabase: keep('writer') }));
    // The writer has set the journal mode (WAL) and applied the migrations.
    const reader = new DataSource({ ...options, readonly: true, enableWAL: false, migrations: [], prepareDatabase: keep('reader') });
    await reader.initialize().catch(async (e) => {
      await writer.destroy();
      throw e;
    });
    return new Database(writer, reader, handles);
  }

  /** For reads outside a unit of work (see the class comment). */
  get manager(): EntityManager {
    return this.reader.manager;
  }

  /** SQLite: the read-only connection's handle, for prepared statements on hot paths (HotQuery). Null on MySQL. */
  get sqliteReader(): SqliteConnection | null {
    return this.handles?.reader ?? null;
  }

  /**
   * SQLite: the better-sqlite3 handle `m` runs its statements on, for prepared statements (SqliteStatements): the
   * writer for the manager of a unit of work in progress (a statement run on it is part of that transaction), the
   * reader for `manager`. Null on MySQL, and for any other manager.
   */
  sqliteHandleOf(m: EntityManager): SqliteConnection | null {
    if (!this.handles) return null;
    if (m.connection === this.reader) return this.handles.reader;
    if (m.connection === this.writer && m.queryRunner?.isTransactionActive && !m.queryRunner.isReleased) return this.handles.writer;
    return null;
  }

  /**
   * Options: `isolation` applies on MySQL/MariaDB (SQLite transactions are serialisable anyway); READ COMMITTED
   * takes no gap locks, which short claim-and-update transactions racing on one index want. `retries` runs the
   * work again (with a short jittered pause) when InnoDB picks it as a deadlock victim or times out on a lock,
   * or SQLite's write lock stays held by another process past busy_timeout: for work that is safe to repeat.
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>, opts: { isolation?: 'READ COMMITTED'; retries?: number } = {}): Promise<T> {
    const attempt = this.isMysql
      ? () => (opts.isolation ? this.writer.transaction(opts.isolation, work) : this.writer.transaction(work))
      : () => this.inTurn(() => this.writer.transaction(work));
    return withRetries(attempt, opts.retries ?? 0);
  }

  /**
   * A short write that stands on its own, never part of another unit of work: a session's last-seen time, a
   * relay's claim, a lease. On MySQL it runs as it is, each statement committing by itself (so several
   * statements are not atomic together); on SQLite it takes its turn on the writer as a transaction of its own.
   */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.isMysql ? work(this.writer.manager) : this.transaction(work, { retries: 3 });
  }

  /**
   * SQLite only: `work` runs as one synchronous better-sqlite3 transaction (BEGIN IMMEDIATE) on the writer, in
   * its turn like any other unit of work. No query runner and no promise per statement: for loops of small
   * statements on a hot path (the campaign sender's claims and outcomes, see sqlite-ops.ts). `retries` as for
   * `transaction`.
   */
  sqliteTransaction<T>(work: (conn: SqliteConnection) => T, opts: { retries?: number } = {}): Promise<T> {
    const conn = this.handles?.writer;
    if (!conn) return Promise.reject(new Error('sqliteTransaction on MySQL'));
    return withRetries(() => this.inTurn(() => conn.transaction(() => work(conn)).immediate()), opts.retries ?? 0);
  }

  /**
   * SQLite: runs `work` once every unit of work in line before it has ended. Refuses it if, while it waits, the
   * unit of work on the writer has held it for HELD_TOO_LONG_MS (a nested unit of work waits on its own outer one).
   */
  private inTurn<T>(work: () => T | Promise<T>): Promise<T> {
    const before = this.line;
    const run = new Promise<void>((resolve, reject) => {
      const check = () => {
        const held = Date.now() - this.heldSince;
        if (held >= HELD_TOO_LONG_MS) reject(new Error(TURN_REFUSED));
        else timer = setTimeout(check, HELD_TOO_LONG_MS - held);
      };
      let timer = setTimeout(check, HELD_TOO_LONG_MS);
      void before.then(() => {
        clearTimeout(timer);
        resolve();
      });
    }).then(() => {
      this.heldSince = Date.now();
      return work();
    });
    // A refused unit of work never ran, so the next one in line still waits for the one before it.
    this.line = before.then(() => run).then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async ping(): Promise<void> {
    await this.reader.query('SELECT 1');
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.reader !== this.writer) await this.reader.destroy();
    await this.writer.destroy();
  }
}

const TURN_REFUSED =
  `a unit of work waited for its turn on the SQLite writer while the one holding it held it for over ${HELD_TOO_LONG_MS / 1000} s. ` +
  'Database.transaction or Database.write called from inside another unit of work waits for that one, so for itself: ' +
  'pass the EntityManager you were given instead. (Otherwise a unit of work holds the writer far too long.)';

async function migrated(ds: DataSource): Promise<DataSource> {
  await ds.initialize();
  try {
    await migrate(ds);
  } catch (e) {
    await ds.destroy();
    throw e;
  }
  return ds;
}

/** Runs `attempt` again (after a short jittered pause) while it fails on a lock conflict, at most `retries` times. */
export async function withRetries<T>(attempt: () => Promise<T>, retries: number): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isLockConflict(e) || n > retries) throw e;
      await new Promise((r) => setTimeout(r, 5 * n + Math.random() * 20));
    }
  }
}

/** Duplicate-key errors look different on each driver. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  const code = err?.driverError?.code ?? err?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** InnoDB chose this transaction as a deadlock victim, or gave up waiting for a lock: safe to run it again. */
export function isLockConflict(e: unknown): boolean {
  const err = e as { code?: string; errno?: number; driverError?: { code?: string; errno?: number } };
  const code = err?.driverError?.code ?? err?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'SQLITE_BUSY';
}
