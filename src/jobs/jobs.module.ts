import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from '../auth/auth.module';
import { MailingModule } from '../mailing/mailing.module';
import { SupportModule } from '../support/support.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { WarningsModule } from '../clients/warnings/warnings.module';
import { JobsService, RUN_JOBS } from './jobs.service';

@Module({})
export class JobsModule {
  static forRoot(enabled: boolean): DynamicModule {
    return {
      module: JobsModule,
      imports: [ScheduleModule.forRoot(), AuthModule, ThrottleModule, MailingModule, SupportModule, WarningsModule],
      providers: [JobsService, { provide: RUN_JOBS, useValue: enabled }],
    };
  }
}
