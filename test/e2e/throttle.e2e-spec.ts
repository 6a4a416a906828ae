import request from 'supertest';
import { createUser } from '../factories/users';
import { formPost, startTestApp, TestApp } from '../utils/test-app';

describe('login throttling', () => {
  it('answers 429 after the per-account limit, even with the right password, and still after a restart', async () => {
    const env = { LOGIN_MAX_PER_ACCOUNT: '3', LOGIN_MAX_PER_IP: '100', LOGIN_WINDOW_MINUTES: '15' };
    let t: TestApp = await startTestApp({ env });
    const u = await createUser(t);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: `wrong-${i}-password` });
        expect(res.status).toBe(401);
      }
      const blocked = await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: u.password });
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
      expect(blocked.text).toMatch(/Too many attempts/);

      // A new process on the same database remembers the failures.
      await t.close({ keepDb: true });
      t = await startTestApp({ env, testDb: t.testDb });
      const afterRestart = await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: u.password });
      expect(afterRestart.status).toBe(429);

      // Other accounts from the same address are not locked out by it.
      const other = await createUser(t);
      const ok = await formPost(request.agent(t.http), '/login', '/login', { email: other.email, password: other.password });
      expect(ok.status).toBe(303);
    } finally {
      await t.close();
    }
  });

  it('lets no more than the limit of parallel guesses through to the password check', async () => {
    const t = await startTestApp({ env: { LOGIN_MAX_PER_ACCOUNT: '3', LOGIN_MAX_PER_IP: '100' } });
    try {
      const u = await createUser(t);
      // Twelve guesses at once: each takes tens of milliseconds of argon2, long enough for all to arrive together.
      const statuses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: `wrong-${i}-password` }).then((r) => r.status)),
      );
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
      expect(statuses.filter((s) => s === 429)).toHaveLength(9);
      const blocked = await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: u.password });
      expect(blocked.status).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('does not count successful logins against the address', async () => {
    const t = await startTestApp({ env: { LOGIN_MAX_PER_ACCOUNT: '100', LOGIN_MAX_PER_IP: '2' } });
    try {
      const u = await createUser(t);
      for (let i = 0; i < 4; i++) expect((await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: u.password })).status).toBe(303);
      expect((await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: 'wrong-password-1' })).status).toBe(401);
      expect((await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: 'wrong-password-2' })).status).toBe(401);
      expect((await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: u.password })).status).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('limits attempts per IP address across accounts, and a success does not reset the IP count', async () => {
    const t = await startTestApp({ env: { LOGIN_MAX_PER_ACCOUNT: '100', LOGIN_MAX_PER_IP: '4' } });
    try {
      for (let i = 0; i < 4; i++) {
        const res = await formPost(request.agent(t.http), '/login', '/login', { email: `guess${i}@example.com`, password: 'whatever-123' });
        expect(res.status).toBe(401);
      }
      const u = await createUser(t);
      const res = await formPost(request.agent(t.http), '/login', '/login', { email: u.email, password: u.password });
      expect(res.status).toBe(429);
      // The JSON shape when a client asks for JSON.
      const agent = request.agent(t.http);
      const json = await formPost(agent, '/login', '/login', { email: u.email, password: u.password });
      expect(json.status).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('throttles password reset requests per address', async () => {
    const t = await startTestApp();
    try {
      const u = await createUser(t);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await formPost(request.agent(t.http), '/password/forgot', '/password/forgot', { email: u.email })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await t.close();
    }
  });
});
