import type { EntityManager } from 'typeorm';
/**
 * Hot paths (the session lookup on every request, the access check on every lesson and download) skip the
 * query builder and hydrate plain rows: building SQL and entities costs more there than the query itself.
 */

/** A DATETIME as either driver returns it (mysql2: Date; SQLite: 'YYYY-MM-DD HH:MM:SS.SSS' in UTC). */
export function dbDate(v: unknown): Date {
  if (v instanceof Date) return v;
  const s = String(v);
  return new Date(/Z|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
}

export function dbDateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : dbDate(v);
}

export function dbBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

/**
 * A multi-row INSERT with positional parameters, in chunks of `chunk` rows: for bulk writes (offboarding ends
 * hundreds of grants at once) where TypeORM's insert builder, which binds every value as a named parameter and
 * rewrites the SQL once per parameter, costs far more than the statement. Values as the drivers take them:
 * dates as sqlDate() strings, booleans as 0/1, null.
 */
export async function insertRows(m: EntityManager, table: string, columns: readonly string[], rows: readonly unknown[][], chunk = 200): Promise<void> {
  const row = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    await m.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${part.map(() => row).join(', ')}`, part.flat());
  }
}
