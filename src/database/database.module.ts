import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/config';
import { dataSourceOptions } from './data-source';
import { Database } from './database.service';
import { LeaseService } from './lease.service';

@Global()
@Module({})
export class DatabaseModule {
  /** Pending migrations run as the data source opens, before the app accepts a request. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.database, { logging: config.logLevel === 'debug' }),
          migrationsRun: true,
          retryAttempts: 2,
          retryDelay: 1000,
        }),
      ],
      providers: [Database, LeaseService],
      exports: [Database, LeaseService],
    };
  }
}
