import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { DatabaseConfig } from '../config/config';
import { ENTITIES } from './entities';

export function dataSourceOptions(db: DatabaseConfig, opts: { logging?: boolean } = {}): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: opts.logging ? (['error', 'warn', 'query'] as const) : (['error'] as const),
  };
  if (db.type === 'mysql') {
    return {
      ...common,
      logging: opts.logging ? ['error', 'warn', 'query'] : false,
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
  if (db.file !== ':memory:') fs.mkdirSync(path.dirname(db.file), { recursive: true });
  return {
    ...common,
    logging: opts.logging ? ['error', 'warn', 'query'] : false,
    type: 'better-sqlite3',
    database: db.file,
    enableWAL: db.file !== ':memory:',
    prepareDatabase: (conn: { pragma(s: string): unknown }) => {
      conn.pragma('busy_timeout = 5000');
      conn.pragma('foreign_keys = ON');
      conn.pragma('synchronous = NORMAL');
    },
  };
}

export function createDataSource(db: DatabaseConfig, opts: { logging?: boolean } = {}): DataSource {
  return new DataSource(dataSourceOptions(db, opts));
}
