import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment } from 'nunjucks';
import request from 'supertest';
import { ROOT_DIR } from '../../src/paths';
import { startTestApp, TestApp } from '../utils/test-app';

/** The template files Nunjucks reads from disk while `fn` runs. */
async function templatesRead(t: TestApp, fn: () => Promise<unknown>): Promise<string[]> {
  const env = t.app.getHttpAdapter().getInstance().get('nunjucksEnv') as Environment & { loaders: { getSource(name: string): unknown }[] };
  const spies = env.loaders.map((loader) => jest.spyOn(loader, 'getSource'));
  try {
    await fn();
    return spies.flatMap((s) => s.mock.calls.map(([name]) => name));
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}

describe('the mode a plain start runs in', () => {
  describe('NODE_ENV unset (npm start, the Dockerfile)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { NODE_ENV: '' } }); // an empty value counts as unset
    });
    afterAll(() => t.close());

    it('is production: each template is read and compiled once, not on every request', async () => {
      expect(t.config.env).toBe('production');
      const first = await templatesRead(t, () => request(t.http).get('/login').expect(200));
      expect(first).toContain('auth/login.njk');
      expect(await templatesRead(t, () => request(t.http).get('/login').expect(200))).toEqual([]);
    });

    it('lets browsers cache the static assets', async () => {
      const css = await request(t.http).get('/assets/app.css').expect(200);
      expect(css.headers['cache-control']).toBe('public, max-age=604800');
    });
  });

  describe('NODE_ENV=development (npm run dev)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ env: { NODE_ENV: 'development' } });
    });
    afterAll(() => t.close());

    it('re-reads every template on every request, so an edited one shows at once', async () => {
      const first = await templatesRead(t, () => request(t.http).get('/login').expect(200));
      expect(first).toContain('auth/login.njk');
      expect(await templatesRead(t, () => request(t.http).get('/login').expect(200))).toEqual(first);
    });
  });

  it('npm start leaves NODE_ENV to the default; only npm run dev sets development', () => {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT_DIR, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).not.toContain('NODE_ENV');
    expect(scripts['start:prod']).not.toContain('NODE_ENV');
    expect(scripts.dev).toContain('NODE_ENV=development');
  });
});
