import type { Database } from './database.service';
import { SqliteStatements } from './sqlite-connection';

type Row = Record<string, unknown>;

/**
 * Reads on the hottest paths (the session on every request, the lesson page). On SQLite they run a prepared
 * better-sqlite3 statement directly: the driver is synchronous, so this skips the query runner, its
 * broadcaster and several promises per query, which under load cost about as much as the query itself. It is
 * the same connection TypeORM uses, so what a read sees does not change. On MySQL it is the usual pooled
 * query: the network dominates there.
 */
export class HotQuery {
  private readonly statements: SqliteStatements;

  constructor(private readonly db: Database) {
    this.statements = new SqliteStatements(db.dataSource);
  }

  /** `sql` should be a constant text (statements are kept per text); parameters are positional `?`. */
  all(sql: string, params: unknown[]): Promise<Row[]> {
    if (this.db.isMysql) return this.db.manager.query(sql, params);
    try {
      return Promise.resolve(this.statements.get(sql).all(...params) as Row[]);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
