import { sqlDate } from '../../database/sql-date';
import type { Grant } from './entities/grant.entity';

/**
 * The one rule of "this grant gives access now", owned by members and asked by every feature that needs it
 * (the client area, the clients' admin, orders, campaign audiences). A grant is active when it is not revoked,
 * has started (starts_at ≤ now) and has not ended (ends_at > now; no end = for ever). The end is exclusive: at
 * ends_at the access is over.
 *
 * The rule comes in two forms that must stay the same: a predicate for a grant in hand, and an SQL condition
 * for queries that filter in the database (the lesson page and campaign audiences do, per request and per send).
 */
export type GrantDates = Pick<Grant, 'startsAt' | 'endsAt' | 'revokedAt'>;

export function isGrantActive(g: GrantDates, now = new Date()): boolean {
  return !g.revokedAt && g.startsAt <= now && (g.endsAt === null || g.endsAt > now);
}

/** Revoked or past its end: it will not give access again by itself. A grant that has not started is not over. */
export function isGrantOver(g: GrantDates, now = new Date()): boolean {
  return !!g.revokedAt || (g.endsAt !== null && g.endsAt <= now);
}

/**
 * The rule as an SQL condition on the grants row aliased `alias`, for raw SQL and query builders alike. `at` is
 * the placeholder of now: `?` (the default; it appears twice, so pass `activeGrantParams(now)`) or a named
 * parameter such as `:now` for a TypeORM query builder (bound once, to `sqlDate(now)`).
 * Build it once, at module load, where the query is hot.
 */
export function activeGrantSql(alias = 'g', at = '?'): string {
  return `${alias}.revoked_at IS NULL AND ${alias}.starts_at <= ${at} AND (${alias}.ends_at IS NULL OR ${alias}.ends_at > ${at})`;
}

/** The positional parameters of `activeGrantSql(alias)`, in order. */
export function activeGrantParams(now: Date): [string, string] {
  const at = sqlDate(now);
  return [at, at];
}
