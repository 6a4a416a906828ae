import type { AddressInfo } from 'node:net';
import { ApiKeysService } from '../../src/auth/api-keys/api-keys.service';
import { AccessKeysService } from '../../src/members/keys/access-keys.service';
import { CampaignsService } from '../../src/mailing/campaigns/campaigns.service';
import { MailingTokens } from '../../src/mailing/mailing-tokens';
import { SUBSCRIBE_LIMITS } from '../../src/mailing/public/subscribe.service';
import { createList, createSubscriber } from '../factories/mailing';
import { createFile, createLesson, createProduct, FACTORY_ACTOR, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { AppRoute, appRoutes, routePattern } from '../utils/routes';
import { startTestApp, TestApp } from '../utils/test-app';

/**
 * Hostile input against every route of the app, asserting only that nothing answers 5xx. Routes come from the
 * controllers' metadata (test/utils/routes.ts) and, for the JSON API, from the OpenAPI document, so a new route
 * is walked without editing this file. Each route is called as whoever can reach its handler (the owner, a
 * client, an API key; public ones anonymously) and, briefly, by someone who cannot.
 */

/** Form and query values: `raw` ones go into the body or URL as they are (already percent-encoded). */
const TEXT_VALUES: Array<{ v: string; raw?: boolean }> = [
  { v: '' },
  { v: 'a\u0000b' },
  { v: 'a\u2028b\u0085c' },
  { v: '%ED%A0%80', raw: true }, // a lone surrogate in UTF-8 (invalid)
  { v: '%', raw: true },
  { v: 'x'.repeat(5000) },
  { v: '-1' },
  { v: '99999999999999999999' },
  { v: '2030-02-31T25:61' },
  { v: "<script>'\"" },
];

/** JSON values for each field of an API body (a lone surrogate is written as its escape, which JSON allows). */
const JSON_VALUES: string[] = [
  'null',
  'true',
  '-1',
  '1e309',
  '"\\ud800"',
  '"a\\u0000b"',
  '"a\\u2028b"',
  JSON.stringify('x'.repeat(100_000)),
  '["a","b"]',
  '{"a":{"b":1}}',
  '[' + '['.repeat(40) + ']'.repeat(40) + ']',
];

/** 1,500 levels: arrays inside an object, so the depth (not the top-level shape) is what gets refused. */
const DEEP_JSON = `{"a":${'['.repeat(1500)}${']'.repeat(1500)}}`;

/** Bodies in the wrong shape, sent to every route that takes one. */
const BODY_SHAPES: Array<{ name: string; type?: string; body?: string }> = [
  { name: 'no body' },
  { name: 'text/plain', type: 'text/plain', body: 'email=a@example.com' },
  { name: 'xml', type: 'application/xml', body: '<?xml version="1.0"?><a>b</a>' },
  { name: 'multipart without boundary', type: 'multipart/form-data', body: 'xx' },
  {
    name: 'cut multipart',
    type: 'multipart/form-data; boundary=XYZ',
    body: '--XYZ\r\nContent-Disposition: form-data; name="email"\r\n\r\na@example.com\r\n--XYZ\r\nContent-Disposition: form-data; name="fi',
  },
  {
    name: 'multipart, a field twice and a NUL',
    type: 'multipart/form-data; boundary=XYZ',
    body: ['dryRun', 'dryRun', 'reason\u0000'].map((n) => `--XYZ\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n1\r\n`).join('') + '--XYZ--\r\n',
  },
  { name: 'json deep', type: 'application/json', body: DEEP_JSON },
  { name: 'json array', type: 'application/json', body: '[1,2]' },
  { name: 'form with a bad escape', type: 'application/x-www-form-urlencoded', body: 'a=%&b=%ZZ&=&&c' },
];

/** Path parameters: NUL, too long, past every integer column, a broken character. */
const HOSTILE_PARAMS = ['%00', '99999999999', '%ED%A0%80'];

/** Query names tried on every page, beside those its own links and forms use. */
const QUERY_NAMES = ['q', 'email', 'status', 'limit', 'offset', 'done', 'next', 'list', 'lists', 'view', 'state', 'notice', 'clientId', 'product', 'role'];

const enc = (x: { v: string; raw?: boolean }) => (x.raw ? x.v : encodeURIComponent(x.v));

interface Answer {
  status: number;
  text: string;
  location: string | null;
}

/** A browser-like client over fetch with keep-alive: cookies, and the CSRF token of the last page read. */
class Client {
  private readonly cookies = new Map<string, string>();
  csrf = '';
  requests = 0;
  constructor(
    private readonly base: string,
    private readonly bearer?: string,
  ) {}

  async send(method: string, url: string, opts: { type?: string; body?: string; csrf?: boolean } = {}): Promise<Answer> {
    const headers: Record<string, string> = {
      // A different client address each time, so per-IP throttles (login, reset, subscribe) do not end the walk early.
      'x-forwarded-for': `10.${(this.requests >> 16) & 255}.${(this.requests >> 8) & 255}.${this.requests & 255}`,
    };
    this.requests++;
    if (opts.type) headers['content-type'] = opts.type;
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (opts.csrf && this.csrf) headers['x-csrf-token'] = this.csrf;
    const res = await fetch(this.base + url, { method, headers, body: opts.body, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const [k, v] = [pair.slice(0, i), pair.slice(i + 1)];
      if (v === '' || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1];
    return { status: res.status, text, location: res.headers.get('location') };
  }

  async login(email: string, password: string, home: string): Promise<void> {
    await this.send('GET', '/login');
    const body = new URLSearchParams({ email, password, _csrf: this.csrf }).toString();
    const res = await this.send('POST', '/login', { type: 'application/x-www-form-urlencoded', body });
    if (res.status !== 303) throw new Error(`login as ${email}: ${res.status}`);
    await this.send('GET', home); // the token bound to the new session
  }
}

/** Runs `fn` over `items`, `n` at a time: the server waits on its database between requests. */
async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** Path parameters filled with rows that exist, so handlers get past their 404s; anything unknown gets 1. */
type Ids = Record<string, string>;

function fill(path: string, ids: Ids, hostile?: string): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    if (hostile !== undefined) return hostile;
    const scoped = Object.entries(ids).find(([prefix]) => prefix.includes('/') && path.startsWith(prefix.split(' ')[0]) && prefix.endsWith(` ${name}`));
    return scoped?.[1] ?? ids[name] ?? '1';
  });
}

/** The forms of a page; one without an action posts to the page itself. */
function formsOn(html: string, pageUrl: string): Array<{ action: string; method: string; names: string[] }> {
  const out: Array<{ action: string; method: string; names: string[] }> = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attrs = m[1];
    const action = /action="([^"]*)"/.exec(attrs)?.[1] ?? '';
    const method = (/method="([^"]*)"/.exec(attrs)?.[1] ?? 'get').toLowerCase();
    const names = [...m[2].matchAll(/name="([^"]+)"/g)].map((x) => x[1]).filter((n) => n !== '_csrf');
    out.push({ action: (action || pageUrl).replace(/&amp;/g, '&').split('?')[0], method, names: [...new Set(names)] });
  }
  return out;
}

function queryNamesOn(html: string): string[] {
  return [...html.matchAll(/href="[^"]*\?([^"#]*)"/g)].flatMap((m) => [...m[1].replace(/&amp;/g, '&').matchAll(/(?:^|&)([\w.-]+)=/g)].map((x) => x[1]));
}

describe('fuzz: no route answers 5xx to hostile input', () => {
  let t: TestApp;
  let base: string;
  const failures: string[] = [];
  const savedLimits = { ...SUBSCRIBE_LIMITS.perIp };

  beforeAll(async () => {
    t = await startTestApp({ env: { WEBHOOK_SECRET: 'fuzz-webhook-secret-0123456789', TRUST_PROXY: 'true', LOGIN_MAX_PER_ACCOUNT: '10000', LOGIN_MAX_PER_IP: '100000' } });
    SUBSCRIBE_LIMITS.perIp.max = 1_000_000;
    await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    Object.assign(SUBSCRIBE_LIMITS.perIp, savedLimits);
    await t.close();
  });

  it('walks every form, page and API route, logged in and anonymously', async () => {
    const started = Date.now();
    const cpuAtStart = process.cpuUsage();
    // Rows for the path parameters, and a second key for the routes that revoke one.
    const owner = await createUser(t, { role: 'owner' });
    const staff = await createUser(t, { role: 'staff' });
    const client = await createUser(t, { role: 'client' });
    const product = await createProduct(t);
    const lesson = await createLesson(t, product.id);
    const file = await createFile(t, lesson);
    const grant = await grantAccess(t, client.id, product.id);
    const list = await createList(t);
    const subscriber = await createSubscriber(t, { lists: [list.id] });
    const campaign = await t.app.get(CampaignsService).create(FACTORY_ACTOR, { subject: 'Hi', body: 'Hello', lists: [String(list.id)] });
    const batch = await t.app.get(AccessKeysService).generateBatch(FACTORY_ACTOR, { productId: String(product.id), count: '2', days: '' });
    const keys = t.app.get(ApiKeysService);
    const { key } = await keys.create(FACTORY_ACTOR, 'fuzz');
    const spare = await keys.create(FACTORY_ACTOR, 'fuzz-spare');
    const tokens = t.app.get(MailingTokens);
    const ids: Ids = {
      id: '1',
      productId: String(product.id),
      sectionId: '1',
      grantId: String(grant.id),
      batch: batch.batch,
      token: 'A'.repeat(30),
      '/admin/products id': String(product.id),
      '/admin/lessons id': String(lesson.id),
      '/admin/files id': String(file.id),
      '/account/products id': String(product.id),
      '/account/lessons id': String(lesson.id),
      '/account/files id': String(file.id),
      '/admin/clients id': String(client.id),
      '/admin/users id': String(staff.id),
      '/admin/api-keys id': String(spare.apiKey.id),
      '/admin/mailing/lists id': String(list.id),
      '/admin/mailing/subscribers id': String(subscriber.id),
      '/admin/mailing/campaigns id': String(campaign.id),
      '/api/admin/products id': String(product.id),
      '/api/admin/clients id': String(client.id),
      '/api/admin/lists id': String(list.id),
      '/api/admin/subscribers id': String(subscriber.id),
      '/api/admin/campaigns id': String(campaign.id),
      '/preferences token': tokens.preferences(subscriber.id),
      '/u token': tokens.unsubscribe({ subscriberId: subscriber.id, campaignId: campaign.id, listId: list.id }),
    };

    const anon = new Client(base);
    const api = new Client(base, key);
    const ownerC = new Client(base);
    const clientC = new Client(base);
    const homes = new Map<Client, [string, string, string]>([
      [ownerC, [owner.email, owner.password, '/admin']],
      [clientC, [client.email, client.password, '/account']],
    ]);
    await ownerC.login(owner.email, owner.password, '/admin');
    await clientC.login(client.email, client.password, '/account');
    await anon.send('GET', '/login');

    /** Some routes end the session they are called with (logout, log out everywhere): log in again. */
    const alive = async (c: Client) => {
      const home = homes.get(c);
      if (!home) return;
      const res = await c.send('GET', home[2]);
      if (res.status !== 200) await c.login(...home);
    };
    const check = async (c: Client, who: string, method: string, url: string, variant: string, opts: { type?: string; body?: string; csrf?: boolean } = {}) => {
      const res = await c.send(method, url, opts);
      if (res.status >= 500) failures.push(`${who} ${method} ${url.slice(0, 120)} [${variant}] → ${res.status}`);
      return res;
    };

    const phases: string[] = [];
    let mark = Date.now();
    const count = () => anon.requests + api.requests + ownerC.requests + clientC.requests;
    let marked = 0;
    const phase = (name: string) => {
      phases.push(`${name} ${count() - marked} req ${((Date.now() - mark) / 1000).toFixed(1)} s`);
      mark = Date.now();
      marked = count();
    };
    const routes = appRoutes(t.app);
    const html = routes.filter((r) => !r.path.startsWith('/api/'));
    const whoFor = (r: AppRoute): Array<[Client, string]> => {
      if (r.isPublic) return [[anon, 'anonymous']];
      if (r.roles.length && r.roles.every((x) => x === 'client')) return [[clientC, 'client']];
      return [[ownerC, 'owner']];
    };

    // Field names of every form, by the route it posts to, and query names by page: read off the pages themselves.
    const fieldsByRoute = new Map<AppRoute, Set<string>>();
    const formsWithoutRoute = new Set<string>();
    const queryByRoute = new Map<AppRoute, Set<string>>();
    for (const r of html.filter((x) => x.method === 'GET')) {
      for (const [c] of whoFor(r)) {
        await alive(c);
        const pageUrl = fill(r.path, ids);
        const res = await c.send('GET', pageUrl);
        queryByRoute.set(r, new Set([...QUERY_NAMES, ...queryNamesOn(res.text)]));
        for (const f of formsOn(res.text, pageUrl)) {
          const target = html.find((x) => x.method.toLowerCase() === (f.method === 'get' ? 'get' : 'post') && routePattern(x.path).test(f.action));
          if (!target) {
            formsWithoutRoute.add(`${f.method} ${f.action}`);
            continue;
          }
          const set = (f.method === 'get' ? queryByRoute : fieldsByRoute).get(target) ?? new Set<string>();
          f.names.forEach((n) => set.add(n));
          (f.method === 'get' ? queryByRoute : fieldsByRoute).set(target, set);
        }
      }
    }

    phase('crawl');
    // Pages: hostile query values, every name at once, and every name sent twice.
    await pool(html.filter((x) => x.method === 'GET'), 3, async (r) => {
      const names = [...(queryByRoute.get(r) ?? QUERY_NAMES)];
      for (const [c, who] of whoFor(r)) {
        await alive(c);
        const url = fill(r.path, ids);
        for (const x of TEXT_VALUES) await check(c, who, 'GET', `${url}?${names.map((n) => `${encodeURIComponent(n)}=${enc(x)}`).join('&')}`, `query ${x.v.slice(0, 12)}`);
        await check(c, who, 'GET', `${url}?${names.map((n) => `${n}=a&${n}=b`).join('&')}`, 'every query field twice');
        for (const h of HOSTILE_PARAMS) if (r.path.includes(':')) await check(c, who, 'GET', fill(r.path, ids, h), `path ${h.slice(0, 12)}`);
      }
    });

    phase('pages');
    // Forms: hostile values in every field, each field sent twice, bodies in the wrong shape.
    for (const r of html.filter((x) => x.method !== 'GET')) {
      const names = [...(fieldsByRoute.get(r) ?? ['email', 'name', 'password', 'code', 'lists', 'subject', 'body', 'reason', 'at'])];
      const targets = whoFor(r);
      if (!r.isPublic) targets.push([anon, 'anonymous']);
      for (const [c, who] of targets) {
        const url = fill(r.path, ids);
        const form = (pairs: string[]) => ({ type: 'application/x-www-form-urlencoded', body: [...pairs, `_csrf=${encodeURIComponent(c.csrf)}`].join('&') });
        if (who === 'anonymous' && !r.isPublic) {
          // Refused before any input is read: one hostile body shows the refusal is a 4xx.
          await check(c, who, r.method, url, 'not allowed', form(names.map((n) => `${n}=a&${n}=b`)));
          continue;
        }
        await alive(c);
        for (const x of TEXT_VALUES) await check(c, who, r.method, url, `body ${x.v.slice(0, 12)}`, form(names.map((n) => `${encodeURIComponent(n)}=${enc(x)}`)));
        await check(c, who, r.method, url, 'every field twice', form(names.flatMap((n) => [`${n}=a`, `${n}=b`])));
        for (const n of names) await check(c, who, r.method, url, `${n} twice`, form([...names.filter((o) => o !== n).map((o) => `${o}=1`), `${n}=1`, `${n}=2`]));
        for (const s of BODY_SHAPES) await check(c, who, r.method, url, s.name, { type: s.type, body: s.body, csrf: true });
        for (const h of HOSTILE_PARAMS) if (r.path.includes(':')) await check(c, who, r.method, fill(r.path, ids, h), `path ${h.slice(0, 12)}`, form([]));
      }
    }

    phase('forms');
    // The JSON API, from its OpenAPI document: hostile query and path values, every body field with every JSON value.
    const doc = (await api.send('GET', '/api/docs-json')).text;
    const spec = JSON.parse(doc) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: Record<string, { schema: { $ref?: string } }> } }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; allOf?: Array<{ $ref?: string; properties?: Record<string, unknown> }> }> };
    };
    const propsOf = (ref: string | undefined): string[] => {
      const s = ref ? spec.components.schemas[ref.split('/').pop()!] : undefined;
      if (!s) return [];
      return [...Object.keys(s.properties ?? {}), ...(s.allOf ?? []).flatMap((p) => (p.$ref ? propsOf(p.$ref) : Object.keys(p.properties ?? {})))];
    };
    const documented = new Set<string>();
    const operations = Object.entries(spec.paths).flatMap(([p, ops]) => Object.entries(ops).map(([method, op]) => ({ path: p.replace(/\{(\w+)\}/g, ':$1'), method, op })));
    await pool(operations, 3, async ({ path, method, op }) => {
      documented.add(`${method.toUpperCase()} ${path}`);
      const url = fill(path, ids);
      const queryNames = (op.parameters ?? []).filter((x) => x.in === 'query').map((x) => x.name);
      const M = method.toUpperCase();
      await check(anon, 'anonymous', M, url, 'no key', M === 'GET' ? {} : { type: 'application/json', body: '{}' });
      for (const x of TEXT_VALUES) if (queryNames.length) await check(api, 'api', M, `${url}?${queryNames.map((n) => `${n}=${enc(x)}`).join('&')}`, `query ${x.v.slice(0, 12)}`);
      if (queryNames.length) await check(api, 'api', M, `${url}?${queryNames.map((n) => `${n}=1&${n}=2`).join('&')}`, 'every query field twice');
      for (const h of HOSTILE_PARAMS) if (path.includes(':')) await check(api, 'api', M, fill(path, ids, h), `path ${h.slice(0, 12)}`);
      if (M === 'GET') return;
      const props = propsOf(Object.values(op.requestBody?.content ?? {})[0]?.schema.$ref);
      for (const prop of props) {
        for (const v of JSON_VALUES) await check(api, 'api', M, url, `${prop}=${v.slice(0, 16)}`, { type: 'application/json', body: `{${JSON.stringify(prop)}:${v}}` });
      }
      for (const v of JSON_VALUES) await check(api, 'api', M, url, `every field ${v.slice(0, 16)}`, { type: 'application/json', body: `{${props.map((p) => `${JSON.stringify(p)}:${v}`).join(',')}}` });
      for (const s of BODY_SHAPES) await check(api, 'api', M, url, s.name, { type: s.type, body: s.body });
      await check(api, 'api', M, url, 'form instead of JSON', { type: 'application/x-www-form-urlencoded', body: props.map((p) => `${p}=a&${p}=b`).join('&') });
    });

    phase('api');
    const cpu = process.cpuUsage(cpuAtStart);
    console.log(
      `input fuzz: ${routes.length} routes, ${count()} requests in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU, app and client)\n${phases.join('\n')}`,
    );
    // The walk reached everything: every API route is in the OpenAPI document, every form route was posted to.
    expect(routes.filter((r) => r.path.startsWith('/api/')).map((r) => `${r.method} ${r.path}`).filter((r) => !documented.has(r))).toEqual([]);
    // ... and every form on every page posts to a route in the list (so the list is the app's).
    expect([...formsWithoutRoute]).toEqual([]);
    expect(fieldsByRoute.size).toBeGreaterThan(30);
    expect(failures).toEqual([]);
  }, 300_000);
});
