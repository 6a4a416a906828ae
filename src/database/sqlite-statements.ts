import type { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Database } from './database.service';
import type { SqliteConnection, SqliteStatement } from './sqlite-connection';

type Row = Record<string, unknown>;

/**
 * SQLite: a hot path's statements as prepared better-sqlite3 statements, run on the connection an EntityManager
 * runs on (the writer inside a unit of work, so they are part of its transaction; the read-only reader for
 * `db.manager`), with no query builder, query runner or promise per statement. TypeORM's SQLite driver writes
 * numeric parameters into the SQL text, so its statements are compiled again for every id; these are compiled
 * once per connection. Values are converted both ways by TypeORM's own driver from the entity's column metadata,
 * so a row read here is the entity TypeORM would hand out and a row written here holds what TypeORM would write.
 *
 * `on(m)` is null on MySQL/MariaDB (and for a manager that is neither of those): the caller takes its TypeORM path.
 */
export class SqliteStatements {
  private readonly prepared = new WeakMap<SqliteConnection, Map<string, SqliteStatement>>();
  private readonly texts = new Map<string, string>();
  /** Per table and WHERE text, the SELECT built on them: no key string is built per call (a hot one is long). */
  private readonly selects = new Map<string, Map<string, string>>();
  private readonly metadata = new WeakMap<DataSource, Map<EntityTarget<ObjectLiteral>, EntityMetadata>>();

  constructor(private readonly db: Database) {}

  on(m: EntityManager): SqliteOn | null {
    const conn = this.db.sqliteHandleOf(m);
    return conn ? new SqliteOn(this, conn, m) : null;
  }

  /** @internal */
  statement(conn: SqliteConnection, sql: string): SqliteStatement {
    let own = this.prepared.get(conn);
    if (!own) this.prepared.set(conn, (own = new Map()));
    let stmt = own.get(sql);
    if (!stmt) own.set(sql, (stmt = conn.prepare(sql)));
    return stmt;
  }

  /** @internal The entity's metadata on that data source (DataSource.getMetadata searches them all). */
  meta(ds: DataSource, target: EntityTarget<ObjectLiteral>): EntityMetadata {
    let own = this.metadata.get(ds);
    if (!own) this.metadata.set(ds, (own = new Map()));
    let meta = own.get(target);
    if (!meta) own.set(target, (meta = ds.getMetadata(target)));
    return meta;
  }

  /** @internal `SELECT * FROM <table> WHERE <where><tail>`, built once. */
  select(table: string, where: string, tail: string): string {
    let own = this.selects.get(table + tail);
    if (!own) this.selects.set(table + tail, (own = new Map()));
    let t = own.get(where);
    if (t === undefined) own.set(where, (t = `SELECT * FROM "${table}" WHERE ${where}${tail}`));
    return t;
  }

  /** @internal A statement text built from metadata, once per key. */
  text(key: string, build: () => string): string {
    let t = this.texts.get(key);
    if (t === undefined) this.texts.set(key, (t = build()));
    return t;
  }
}

/** The statements of one EntityManager's connection (see SqliteStatements). */
export class SqliteOn {
  constructor(
    private readonly owner: SqliteStatements,
    private readonly conn: SqliteConnection,
    private readonly m: EntityManager,
  ) {}

  /** Rows of `sql` (constant text, positional `?`). */
  all(sql: string, params: unknown[] = []): Row[] {
    return this.owner.statement(this.conn, sql).all(...params) as Row[];
  }

  /** The first row of `sql`, or undefined. */
  get(sql: string, params: unknown[] = []): Row | undefined {
    return this.owner.statement(this.conn, sql).get(...params) as Row | undefined;
  }

  /** Runs a write; returns the rows it changed and the new row's id. */
  run(sql: string, params: unknown[] = []): { changes: number; id: number } {
    const r = this.owner.statement(this.conn, sql).run(...params);
    return { changes: r.changes, id: Number(r.lastInsertRowid) };
  }

  /** A row of the entity's table (every column, by its database name) as the entity TypeORM would hydrate. */
  entity<T extends ObjectLiteral>(target: EntityTarget<T>, raw: Row): T {
    const meta = this.meta(target);
    const driver = this.m.connection.driver;
    const e = meta.create() as T;
    for (const c of meta.columns) {
      const v = raw[c.databaseName];
      if (v !== undefined) c.setEntityValue(e, driver.prepareHydratedValue(v, c));
    }
    return e;
  }

  /** `SELECT * FROM <table> WHERE <where> …` as entities; `where` is constant text after WHERE. */
  find<T extends ObjectLiteral>(target: EntityTarget<T>, where: string, params: unknown[]): T[] {
    const meta = this.meta(target);
    return this.all(this.owner.select(meta.tableName, where, ''), params).map((r) => this.entity(target, r));
  }

  findOne<T extends ObjectLiteral>(target: EntityTarget<T>, where: string, params: unknown[]): T | null {
    const meta = this.meta(target);
    const r = this.get(this.owner.select(meta.tableName, where, ' LIMIT 1'), params);
    return r ? this.entity(target, r) : null;
  }

  /**
   * Inserts a row as `m.insert` / `m.save` would: the columns `data` names (undefined ones take their default),
   * each value converted by the driver. Returns the new row's id (the generated primary key).
   */
  insert<T extends ObjectLiteral>(target: EntityTarget<T>, data: Partial<T>): number {
    const meta = this.meta(target);
    const cols = meta.columns.filter((c) => !c.isGenerated && c.getEntityValue(data) !== undefined);
    const names = cols.map((c) => c.databaseName);
    const sql = this.owner.text(`insert:${meta.tableName}:${names.join(',')}`, () => `INSERT INTO "${meta.tableName}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
    return this.run(sql, this.values(meta, cols, data)).id;
  }

  /** `UPDATE <table> SET <the columns patch names> WHERE <primary key> = ?`, as `m.update(target, { id }, patch)`. */
  update<T extends ObjectLiteral>(target: EntityTarget<T>, id: unknown, patch: Partial<T>): number {
    const meta = this.meta(target);
    const [key] = meta.primaryColumns;
    const cols = meta.columns.filter((c) => !c.isPrimary && c.getEntityValue(patch) !== undefined);
    if (!cols.length) return 0;
    const names = cols.map((c) => c.databaseName);
    const sql = this.owner.text(`update:${meta.tableName}:${names.join(',')}`, () => `UPDATE "${meta.tableName}" SET ${names.map((n) => `"${n}" = ?`).join(', ')} WHERE "${key.databaseName}" = ?`);
    return this.run(sql, [...this.values(meta, cols, patch), this.m.connection.driver.preparePersistentValue(id, key)]).changes;
  }

  private values(meta: EntityMetadata, cols: EntityMetadata['columns'], data: ObjectLiteral): unknown[] {
    const driver = this.m.connection.driver;
    return cols.map((c) => {
      const v = driver.preparePersistentValue(c.getEntityValue(data), c);
      // better-sqlite3 binds no booleans (TypeORM's query runner turns them into 0/1 the same way)
      return typeof v === 'boolean' ? (v ? 1 : 0) : v;
    });
  }

  private meta(target: EntityTarget<ObjectLiteral>): EntityMetadata {
    return this.owner.meta(this.m.connection, target);
  }
}
