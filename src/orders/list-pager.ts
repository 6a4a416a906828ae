/** Prev/next links of an admin list, keeping the filters in the query string (same shape as admin's pager). */
export function pager(total: number, limit: number, offset: number, q: Record<string, string | undefined>) {
  const clean = Object.fromEntries(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const params = (o: number) => new URLSearchParams({ ...clean, offset: String(o) }).toString();
  return {
    total,
    from: total ? offset + 1 : 0,
    to: Math.min(offset + limit, total),
    prev: offset > 0 ? `?${params(Math.max(0, offset - limit))}` : null,
    next: offset + limit < total ? `?${params(offset + limit)}` : null,
  };
}
