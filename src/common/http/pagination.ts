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
