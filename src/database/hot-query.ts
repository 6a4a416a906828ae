import type { Database } from './database.service';
import type { SqliteStatement } from './sqlite-connection';

type Row = Record<string, unknown>;

/**
 * Reads on the hottest paths (the session on every request, the lesson page). On SQLite they run a prepared
 * better-sqlite3 statement on the read-only connection: the driver is synchronous, so this skips the query
 * runner, its broadcaster and several promises per query, which under load cost about as much as the query
 * itself. It is the connection `db.manager` reads on, so what a read sees does not change: committed data only.
 * On MySQL it is the usual pooled query: the network dominates there.
 */
export class HotQuery {
  private readonly statements = new Map<string, SqliteStatement>();

  constructor(private readonly db: Database) {}

  /** `sql` should be a constant text (statements are kept per text); parameters are positional `?`. */
  all(sql: string, params: unknown[]): Promise<Row[]> {
    const conn = this.db.sqliteReader;
    if (!conn) return this.db.manager.query(sql, params);
    try {
      let stmt = this.statements.get(sql);
      if (!stmt) this.statements.set(sql, (stmt = conn.prepare(sql)));
      return Promise.resolve(stmt.all(...params) as Row[]);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
