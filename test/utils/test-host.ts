import type { INestApplicationContext } from '@nestjs/common';
import type { AppConfig } from '../../src/config/config';
import type { Database } from '../../src/database/database.service';

/**
 * What the factories (test/factories/*.ts) need of a test's application: a way to get a service, the database
 * and the config. Both the whole HTTP app (TestApp) and the middle tier's context (TestContext) are one.
 */
export interface TestHost {
  app: Pick<INestApplicationContext, 'get'>;
  db: Database;
  config: AppConfig;
}
