import { Module } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { CASE_PLANNER, CasePlanner, REINSTATER, Reinstater, STEP_EXECUTORS, StepExecutor } from '../offboarding.contract';

/**
 * The five steps, the dry run's planner and reinstatement. (A placeholder until the steps land: no executors, and
 * the planner and the reinstater refuse.)
 */
@Module({
  providers: [
    { provide: STEP_EXECUTORS, useValue: [] as StepExecutor[] },
    { provide: CASE_PLANNER, useValue: { plan: () => Promise.reject(new AppError('conflict', 'not_ready', 'The offboarding steps are not built yet.')) } satisfies CasePlanner },
    { provide: REINSTATER, useValue: { reinstate: () => Promise.reject(new AppError('conflict', 'not_ready', 'The offboarding steps are not built yet.')) } satisfies Reinstater },
  ],
  exports: [STEP_EXECUTORS, CASE_PLANNER, REINSTATER],
})
export class OffboardingStepsModule {}
