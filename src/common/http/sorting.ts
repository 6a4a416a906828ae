/** A list's order from `?sort=<key>` (ascending) or `?sort=-<key>` (descending), one of the keys the list allows. */
export interface Sort<K extends string = string> {
  key: K;
  desc: boolean;
}

/** An unknown or missing key gives the list's default order: a sort link should never be an error page. */
export function parseSort<K extends string>(raw: string | undefined, keys: readonly K[], def: Sort<K>): Sort<K> {
  const desc = !!raw?.startsWith('-');
  const key = (desc ? raw!.slice(1) : raw) as K;
  return raw && keys.includes(key) ? { key, desc } : def;
}

/** The value `?sort=` carries for `s`, as the sortable header macro (views/partials/ui.njk) compares it. */
export function sortParam(s: Sort): string {
  return s.desc ? `-${s.key}` : s.key;
}

/** The list's query string without its order and offset, ending in `&`, for the sortable headers' links. */
export function sortBase(q: Record<string, string | undefined>): string {
  const kept = Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '' && e[0] !== 'sort' && e[0] !== 'offset');
  const qs = new URLSearchParams(kept).toString();
  return qs ? `?${qs}&` : '?';
}
