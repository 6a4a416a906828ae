import type { DataSource } from 'typeorm';

/** The part of better-sqlite3 used directly (the package ships no types). */
export interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

export interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F & { immediate: F };
  readonly inTransaction: boolean;
}

/** The better-sqlite3 connection TypeORM holds (there is exactly one). */
export function sqliteConnectionOf(dataSource: DataSource): SqliteConnection {
  return (dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
}

/**
 * Prepared statements kept per SQL text, for the connection TypeORM holds now (a new connection, after a
 * reconnect or in another test app, starts a new set). Meant for constant SQL texts.
 */
export class SqliteStatements {
  private conn: SqliteConnection | null = null;
  private statements = new Map<string, SqliteStatement>();

  constructor(private readonly dataSource: DataSource) {}

  get(sql: string): SqliteStatement {
    const conn = sqliteConnectionOf(this.dataSource);
    if (conn !== this.conn) {
      this.conn = conn;
      this.statements = new Map();
    }
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = conn.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}
