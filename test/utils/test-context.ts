import { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig, loadConfig } from '../../src/config/config';
import { ConfigModule } from '../../src/config/config.module';
import { Database } from '../../src/database/database.service';
import { DatabaseModule } from '../../src/database/database.module';
import { AuditModule } from '../../src/audit/audit.module';
import { SettingsModule } from '../../src/settings/settings.module';
import { InboundModule } from '../../src/inbound/inbound.module';
import { createTestDb, TestDb } from './test-db';
import { TEST_SECRET } from './test-app';
import type { TestHost } from './test-host';

export interface TestContext extends TestHost {
  ctx: INestApplicationContext;
  /** The same context as `ctx`, under the name the factories (and TestApp) use. */
  app: INestApplicationContext;
  config: AppConfig;
  db: Database;
  testDb: TestDb;
  close(): Promise<void>;
}

/**
 * The middle tier of tests: the given feature modules, with config and a real, migrated database, and no HTTP
 * (no Express, no guards, no views). The global infrastructure the app always has (audit log, site settings) is
 * there too, as it is for every feature in the app. A test gets a service from `ctx` and calls it as a caller in the app would.
 */
export async function startTestContext(modules: (Type<unknown> | DynamicModule)[]): Promise<TestContext> {
  const testDb = await createTestDb();
  const config = loadConfig(
    { NODE_ENV: 'test', APP_URL: 'http://kabinet.test', DATA_DIR: testDb.dir, DATABASE_URL: testDb.url, SECRET_KEY: TEST_SECRET, DEFAULT_LOCALE: 'en', LOG_LEVEL: 'error' },
    testDb.dir,
  );
  class MediumTestModule {}
  const ctx = await NestFactory.createApplicationContext(
    { module: MediumTestModule, imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot(config), AuditModule, SettingsModule, InboundModule.forRoot(false), ...modules] },
    { logger: ['error'], abortOnError: false },
  );
  return {
    ctx,
    app: ctx,
    config,
    db: ctx.get(Database),
    testDb,
    async close() {
      await ctx.close();
      await testDb.drop();
    },
  };
}
