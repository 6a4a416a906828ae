import type { Database } from './database.service';

type Row = Record<string, unknown>;
/** The part of better-sqlite3 used here (the package ships no types). */
interface SqliteConnection {
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
}

/**
 * Reads on the hottest paths (the session on every request, the lesson page). On SQLite they run a prepared
 * better-sqlite3 statement directly: the driver is synchronous, so this skips the query runner, its
 * broadcaster and several promises per query, which under load cost about as much as the query itself. It is
 * the same connection TypeORM uses, so what a read sees does not change. On MySQL it is the usual pooled
 * query: the network dominates there.
 */
export class HotQuery {
  private conn: SqliteConnection | null = null;
  private statements = new Map<string, ReturnType<SqliteConnection['prepare']>>();

  constructor(private readonly db: Database) {}

  /** `sql` should be a constant text (statements are kept per text); parameters are positional `?`. */
  all(sql: string, params: unknown[]): Promise<Row[]> {
    if (this.db.isMysql) return this.db.manager.query(sql, params);
    const conn = (this.db.dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
    if (conn !== this.conn) {
      this.conn = conn;
      this.statements = new Map();
    }
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = conn.prepare(sql);
      this.statements.set(sql, stmt);
    }
    try {
      return Promise.resolve(stmt.all(...params) as Row[]);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
