import { QueryRunner, TableColumnOptions } from 'typeorm';

/**
 * Column builders for migrations, so every table is described once and runs unchanged on SQLite and MySQL.
 * Committed migrations depend on these: change nothing here, only add.
 */
export function columns(qr: QueryRunner) {
  const mysql = qr.connection.options.type === 'mysql' || qr.connection.options.type === 'mariadb';
  return {
    mysql,
    id(name = 'id'): TableColumnOptions {
      return { name, type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
    },
    ref(name: string, nullable = false): TableColumnOptions {
      return { name, type: 'integer', isNullable: nullable };
    },
    int(name: string, opts: { nullable?: boolean; default?: number } = {}): TableColumnOptions {
      return { name, type: 'integer', isNullable: !!opts.nullable, default: opts.default };
    },
    string(name: string, length: number, opts: { nullable?: boolean; default?: string; unique?: boolean } = {}): TableColumnOptions {
      return {
        name,
        type: 'varchar',
        length: String(length),
        isNullable: !!opts.nullable,
        default: opts.default === undefined ? undefined : `'${opts.default.replace(/'/g, "''")}'`,
        isUnique: !!opts.unique,
      };
    },
    text(name: string, nullable = true): TableColumnOptions {
      return { name, type: 'text', isNullable: nullable };
    },
    /** Up to 16 MB on MySQL (TEXT stops at 64 KB); SQLite TEXT has no such limit. */
    longText(name: string, nullable = true): TableColumnOptions {
      return { name, type: mysql ? 'mediumtext' : 'text', isNullable: nullable };
    },
    bool(name: string, def = false): TableColumnOptions {
      return { name, type: 'boolean', isNullable: false, default: def ? 1 : 0 };
    },
    /** UTC, millisecond precision on both engines. */
    datetime(name: string, nullable = false): TableColumnOptions {
      return { name, type: 'datetime', precision: mysql ? 3 : undefined, isNullable: nullable };
    },
    /** Money is integer minor units plus an ISO 4217 code, never a float. */
    money(prefix: string): TableColumnOptions[] {
      return [
        { name: `${prefix}_minor`, type: 'bigint', isNullable: false, default: 0 },
        { name: `${prefix}_currency`, type: 'varchar', length: '3', isNullable: false },
      ];
    },
  };
}
