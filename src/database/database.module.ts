import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { Database } from './database.service';
import { LeaseService } from './lease.service';

@Global()
@Module({})
export class DatabaseModule {
  /** The database opens, and pending migrations run (one instance at a time), before the app accepts a request. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: Database, useFactory: () => Database.open(config.database, { logging: config.logLevel === 'debug' }) }, LeaseService],
      exports: [Database, LeaseService],
    };
  }
}
