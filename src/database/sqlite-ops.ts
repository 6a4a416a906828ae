import type { Database } from './database.service';
import type { SqliteConnection } from './sqlite-connection';

/** Named operations on one SQLite connection; each call runs as one IMMEDIATE transaction. */
export type SqliteOps = Record<string, (...args: any[]) => unknown>;

/** Builds the operations for a connection. Prepare statements once, here. */
export type SqliteOpsFactory<A, O extends SqliteOps> = (conn: SqliteConnection, arg: A) => O;

export interface SqliteOpsHost<O extends SqliteOps> {
  run<K extends keyof O & string>(op: K, ...args: Parameters<O[K]>): Promise<ReturnType<O[K]>>;
  close(): Promise<void>;
}

/**
 * The operations of a factory, each call one synchronous transaction on the SQLite writer in its turn (see
 * Database.sqliteTransaction): for a hot path of many small statements, such as the campaign sender's claims and
 * outcomes. A call is run again while another process holds the write lock past busy_timeout. SQLite only.
 */
export function sqliteOpsHost<A, O extends SqliteOps>(db: Database, factory: SqliteOpsFactory<A, O>, arg: A): SqliteOpsHost<O> {
  let ops: O | undefined;
  return {
    run<K extends keyof O & string>(op: K, ...args: Parameters<O[K]>): Promise<ReturnType<O[K]>> {
      return db.sqliteTransaction((conn) => (ops ??= factory(conn, arg))[op](...args) as ReturnType<O[K]>, { retries: 7 });
    },
    close: async () => undefined,
  };
}
