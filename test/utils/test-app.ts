import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import request from 'supertest';
import { createApp } from '../../src/app';
import type { AppOptions } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/config';
import { Database } from '../../src/database/database.service';
import { OutboxRelay } from '../../src/mail/outbox-relay.service';
import { createTestDb, TestDb } from './test-db';

export interface TestApp {
  app: NestExpressApplication;
  http: Server;
  config: AppConfig;
  db: Database;
  testDb: TestDb;
  relay: OutboxRelay;
  /** Closes the app; the database is dropped unless `keepDb`. */
  close(opts?: { keepDb?: boolean }): Promise<void>;
}

export const TEST_SECRET = 'test-secret-key-0123456789abcdef0123456789abcdef';

/**
 * The real application on a real database, exactly as main.ts builds it, minus the background jobs (tests
 * drive the relay themselves). Pass `testDb` to start a second app on the same database ("after a restart").
 */
export async function startTestApp(
  opts: { env?: Record<string, string>; testDb?: TestDb; listen?: boolean; offboardingSteps?: AppOptions['offboardingSteps'] } = {},
): Promise<TestApp> {
  const testDb = opts.testDb ?? (await createTestDb());
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      APP_URL: 'http://kabinet.test',
      DATA_DIR: testDb.dir,
      DATABASE_URL: testDb.url,
      SECRET_KEY: TEST_SECRET,
      DEFAULT_LOCALE: 'en',
      LOG_LEVEL: 'error',
      ...opts.env,
    },
    testDb.dir,
  );
  const app = await createApp(config, { runJobs: false, offboardingSteps: opts.offboardingSteps });
  if (opts.listen) await app.listen(config.port, '127.0.0.1');
  else await app.init();
  return {
    app,
    http: app.getHttpServer(),
    config,
    db: app.get(Database),
    testDb,
    relay: app.get(OutboxRelay),
    async close(closeOpts = {}) {
      await app.close();
      if (!closeOpts.keepDb) await testDb.drop();
    },
  };
}

export type Agent = ReturnType<typeof request.agent>;

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no _csrf field on the page');
  return m[1];
}

/** A browser-like client: keeps cookies, reads the CSRF token off a page before posting. */
export async function formPost(agent: Agent, pageUrl: string, postUrl: string, fields: Record<string, string>) {
  const page = await agent.get(pageUrl);
  return agent.post(postUrl).type('form').send({ ...fields, _csrf: csrfFrom(page.text) });
}

/**
 * A multipart form as a browser posts it: the CSRF token first (the upload handler checks it before it reads a
 * byte of the file), then the fields, then the file, or an empty file input when none is chosen.
 */
export async function multipartPost(agent: Agent, pageUrl: string, postUrl: string, fields: Record<string, string>, file?: { name: string; bytes: Buffer }, fileField = 'file') {
  const page = await agent.get(pageUrl).expect(200);
  const req = agent.post(postUrl).field('_csrf', csrfFrom(page.text));
  for (const [k, v] of Object.entries(fields)) req.field(k, v);
  if (file) req.attach(fileField, file.bytes, file.name);
  else req.attach(fileField, Buffer.alloc(0), '');
  return req;
}

export async function loginAgent(t: TestApp, email: string, password: string, headers: Record<string, string> = {}): Promise<Agent> {
  const agent = request.agent(t.http);
  for (const [k, v] of Object.entries(headers)) agent.set(k, v);
  const res = await formPost(agent, '/login', '/login', { email, password });
  if (res.status !== 303) throw new Error(`login as ${email} failed: ${res.status} ${res.text.slice(0, 300)}`);
  return agent;
}
