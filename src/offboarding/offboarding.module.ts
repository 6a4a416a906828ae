import { DynamicModule, Module, Type } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { OffboardingApiController } from './offboarding.api.controller';
import { OffboardingCasesRepository } from './offboarding-cases.repository';
import { OffboardingFaultsModule } from './offboarding-faults.module';
import { OffboardingJobs, RUN_OFFBOARDING_JOBS } from './offboarding-jobs.service';
import { OffboardingService } from './offboarding.service';
import { OffboardingStepsModule } from './steps/offboarding-steps.module';
import { ApproveCase } from './usecases/approve-case.usecase';
import { CancelCase } from './usecases/cancel-case.usecase';
import { OpenCase } from './usecases/open-case.usecase';
import { OpenMany } from './usecases/open-many.usecase';
import { ReinstateCase } from './usecases/reinstate-case.usecase';
import { RetryStep } from './usecases/retry-step.usecase';
import { RunCase } from './usecases/run-case.usecase';
import { SkipStep } from './usecases/skip-step.usecase';

export interface OffboardingModuleOptions {
  /** The runner's periodic pass (off in tests, which call RunCase.runDue()). */
  runJobs: boolean;
  /** The module that provides the step executors, the planner and the reinstater; tests put their own in its place. */
  steps?: Type<unknown> | DynamicModule;
}

/**
 * The offboarding workflow's engine (top level: it stands on the steps module, which stands on nearly every
 * feature): the cases and their steps, the runner, the approval rule, /api/admin/offboarding. OffboardingService
 * (OffboardingOperations) is exported for the pages.
 */
@Module({})
export class OffboardingModule {
  static forRoot(opts: OffboardingModuleOptions): DynamicModule {
    return {
      module: OffboardingModule,
      imports: [opts.steps ?? OffboardingStepsModule, OffboardingFaultsModule, UsersModule],
      controllers: [OffboardingApiController],
      providers: [
        OffboardingCasesRepository,
        RunCase,
        OpenCase,
        OpenMany,
        ApproveCase,
        CancelCase,
        RetryStep,
        SkipStep,
        ReinstateCase,
        OffboardingService,
        OffboardingJobs,
        { provide: RUN_OFFBOARDING_JOBS, useValue: opts.runJobs },
      ],
      exports: [OffboardingService, RunCase, OffboardingFaultsModule],
    };
  }
}
