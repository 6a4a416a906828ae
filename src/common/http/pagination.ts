import { AppError } from '../errors/app-error';

export interface Page {
  limit: number;
  offset: number;
}

/** `?limit=&offset=` for every list: limit 1..200 (default 50), offset ≥ 0. */
export function parsePage(q: { limit?: unknown; offset?: unknown }, defaultLimit = 50): Page {
  const fields: Record<string, string> = {};
  const num = (v: unknown, name: string, def: number, min: number, max: number) => {
    if (v === undefined || v === '') return def;
    const s = String(v);
    if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) {
      fields[name] = `must be a whole number from ${min} to ${max}`;
      return def;
    }
    return Number(s);
  };
  const page = { limit: num(q.limit, 'limit', defaultLimit, 1, 200), offset: num(q.offset, 'offset', 0, 0, 1e9) };
  if (Object.keys(fields).length) throw AppError.validation(fields);
  return page;
}

export function parseId(v: unknown, what = 'resource'): number {
  const s = String(v ?? '');
  if (!/^\d{1,10}$/.test(s) || Number(s) < 1 || Number(s) > 2147483647) throw AppError.notFound(what);
  return Number(s);
}

export interface PagerLinks {
  total: number;
  from: number;
  to: number;
  prev: string | null;
  next: string | null;
}

/** Prev/next links of a list page, keeping its filters in the query string. */
export function pagerLinks(total: number, page: Page, q: Record<string, string | undefined> = {}): PagerLinks {
  const { limit, offset } = page;
  const clean = Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== 'offset'));
  const params = (o: number) => new URLSearchParams({ ...clean, offset: String(o) }).toString();
  return {
    total,
    from: total ? offset + 1 : 0,
    to: Math.min(offset + limit, total),
    prev: offset > 0 ? `?${params(Math.max(0, offset - limit))}` : null,
    next: offset + limit < total ? `?${params(offset + limit)}` : null,
  };
}
