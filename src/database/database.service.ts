import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { SqliteConnection, sqliteConnectionOf } from './sqlite-connection';

/**
 * The one way to run a unit of work. Repositories take the `EntityManager` it hands out, so a change and the
 * outbox mail or audit entry it causes commit together.
 *
 * better-sqlite3 gives TypeORM a single connection, so two interleaved async transactions would share it; on
 * SQLite transactions are therefore queued (SQLite allows one writer at a time anyway). So never start a unit
 * of work (or a `write`) from inside another's work: on SQLite it would wait for that work, and so for itself,
 * forever. Pass the `EntityManager` you were given instead. (Nothing checks this at run time: telling would
 * take an AsyncLocalStorage, whose promise hooks on Node 20 cost every request of the app about 10% of its CPU.)
 */
@Injectable()
export class Database {
  private queue: Promise<unknown> = Promise.resolve();
  readonly isMysql: boolean;

  constructor(readonly dataSource: DataSource) {
    this.isMysql = dataSource.options.type === 'mysql' || dataSource.options.type === 'mariadb';
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /**
   * Options: `isolation` applies on MySQL/MariaDB (SQLite transactions are serialisable anyway); READ COMMITTED
   * takes no gap locks, which short claim-and-update transactions racing on one index want. `retries` runs the
   * work again (with a short jittered pause) when InnoDB picks it as a deadlock victim or times out on a lock:
   * for work that is safe to repeat, racing another writer on the same rows.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>, opts: { isolation?: 'READ COMMITTED'; retries?: number } = {}): Promise<T> {
    return withRetries(() => this.runTransaction(work, opts.isolation), opts.retries ?? 0);
  }

  /**
   * A short write that stands on its own, never part of another unit of work: a session's last-seen time, a
   * relay's claim, a lease. On MySQL it runs as it is, each statement committing by itself (so several
   * statements are not atomic together). On SQLite, where TypeORM runs everything on one connection, a bare
   * statement issued while another request's transaction is open would join that transaction, and vanish if it
   * rolls back; so there it waits its turn in the transaction queue and runs as a transaction of its own.
   */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.isMysql ? work(this.manager) : this.transaction(work, { retries: 3 });
  }

  /**
   * SQLite only: `work` runs as one synchronous better-sqlite3 transaction (BEGIN IMMEDIATE) on the connection
   * TypeORM holds, in the same queue as every other transaction, so it never interleaves with one. No query
   * runner and no promise per statement: for loops of small statements on a hot path (SqliteThread runs its
   * operations this way when the database is in memory). `retries` as for `transaction` (another connection may
   * hold the write lock past busy_timeout).
   */
  sqliteTransaction<T>(work: (conn: SqliteConnection) => T, opts: { retries?: number } = {}): Promise<T> {
    if (this.isMysql) return Promise.reject(new Error('sqliteTransaction on MySQL'));
    return withRetries(() => {
      const run = this.queue.then(async () => {
        const conn = await this.openTransactionEnded();
        return conn.transaction(() => work(conn)).immediate();
      });
      this.queue = run.catch(() => undefined);
      return run;
    }, opts.retries ?? 0);
  }

  private runTransaction<T>(work: (manager: EntityManager) => Promise<T>, isolation?: 'READ COMMITTED'): Promise<T> {
    if (this.isMysql) return isolation ? this.dataSource.transaction(isolation, work) : this.dataSource.transaction(work);
    const run = this.queue.then(async () => {
      await this.openTransactionEnded();
      return this.dataSource.transaction(work);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * SQLite: a transaction TypeORM opened outside the queue (a bare `save`) may still be open on the one
   * connection; a transaction begun now would nest into it (a savepoint) and commit or roll back with it.
   */
  private async openTransactionEnded(): Promise<SqliteConnection> {
    const conn = sqliteConnectionOf(this.dataSource);
    while (conn.inTransaction) await new Promise((r) => setImmediate(r));
    return conn;
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
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
