/** The benches' HTTP client side: a plain GET, and a login as a browser does it. */
import * as http from 'node:http';

export function get(url: string, cookie?: string, extra: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { ...(cookie ? { cookie } : {}), ...extra } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

/**
 * Logs in like a browser: CSRF cookie and token from the form, then the session cookie. Returns both cookies,
 * as a browser sends both on every later request (without the CSRF one, every page would mint a new one).
 */
export async function login(base: string, email: string, password: string): Promise<string> {
  const page = await get(`${base}/login`);
  const csrfCookie = String(page.headers['set-cookie']).match(/kb_csrf=[^;]+/)![0];
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1];
  const body = new URLSearchParams({ email, password, _csrf: token }).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/login`, { method: 'POST', headers: { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      const sid = String(res.headers['set-cookie'] ?? '').match(/kb_sid=[^;]+/);
      if (res.statusCode !== 303 || !sid) return reject(new Error(`login failed: ${res.statusCode}`));
      resolve(`${sid[0]}; ${csrfCookie}`);
    });
    req.on('error', reject);
    req.end(body);
  });
}
