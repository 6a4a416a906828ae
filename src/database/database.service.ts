import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * The one way to run a unit of work. Repositories take the `EntityManager` it hands out, so a change and the
 * outbox mail or audit entry it causes commit together.
 *
 * better-sqlite3 gives TypeORM a single connection, so two interleaved async transactions would share it; on
 * SQLite transactions are therefore queued (SQLite allows one writer at a time anyway).
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
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runTransaction(work, opts.isolation);
      } catch (e) {
        if (!isLockConflict(e) || attempt > (opts.retries ?? 0)) throw e;
        await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
      }
    }
  }

  private runTransaction<T>(work: (manager: EntityManager) => Promise<T>, isolation?: 'READ COMMITTED'): Promise<T> {
    if (this.isMysql) return isolation ? this.dataSource.transaction(isolation, work) : this.dataSource.transaction(work);
    const run = this.queue.then(() => this.dataSource.transaction(work));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
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
