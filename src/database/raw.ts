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
