import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/config';
import { dataSourceOptions } from './data-source';
import { Database } from './database.service';
import { LeaseService } from './lease.service';
import { migrate } from './migrate';

@Global()
@Module({})
export class DatabaseModule {
  /** Pending migrations run as the data source opens, before the app accepts a request (one instance at a time). */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(config.database, { logging: config.logLevel === 'debug' }), retryAttempts: 2, retryDelay: 1000 }),
          dataSourceFactory: async (options) => {
            const ds = await new DataSource(options as DataSourceOptions).initialize();
            try {
              await migrate(ds);
            } catch (e) {
              await ds.destroy();
              throw e;
            }
            return ds;
          },
        }),
      ],
      providers: [Database, LeaseService],
      exports: [Database, LeaseService],
    };
  }
}
