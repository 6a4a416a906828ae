import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { DatabaseConfig } from '../config/config';
import { ENTITIES } from './entities';

/**
 * TypeORM begins SQLite transactions with a plain (DEFERRED) BEGIN and has no option for another kind. A
 * deferred transaction that reads and then writes fails at once with SQLITE_BUSY_SNAPSHOT, without waiting,
 * when another process (a second instance, the CLI) committed in between. BEGIN IMMEDIATE takes the write lock
 * first, waiting up to busy_timeout for it, so that cannot happen.
 */
function beginImmediate(conn: { prepare(sql: string): unknown }): void {
  const prepare = conn.prepare.bind(conn);
  conn.prepare = (sql: string) => prepare(sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql);
}

export function dataSourceOptions(db: DatabaseConfig, opts: { logging?: boolean } = {}): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: opts.logging ? ['error' as const, 'warn' as const, 'query' as const] : false,
  };
  if (db.type === 'mysql') {
    return {
      ...common,
      type: 'mysql',
      host: db.host,
      port: db.port,
      username: db.username,
      password: db.password,
      database: db.database,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      extra: { connectionLimit: 10 },
    };
  }
  fs.mkdirSync(path.dirname(db.file), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.file,
    enableWAL: true,
    prepareDatabase: (conn: { pragma(s: string): unknown; prepare(sql: string): unknown }) => {
      for (const p of ['busy_timeout = 5000', 'foreign_keys = ON', 'synchronous = NORMAL']) conn.pragma(p);
      beginImmediate(conn);
    },
  };
}

export function createDataSource(db: DatabaseConfig, opts: { logging?: boolean } = {}): DataSource {
  return new DataSource(dataSourceOptions(db, opts));
}
