import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { LeaseService } from '../database/lease.service';
import { RunCase } from './usecases/run-case.usecase';

export const RUN_OFFBOARDING_JOBS = Symbol('RUN_OFFBOARDING_JOBS');
/** How often due cases are looked for: scheduled ones whose date came, steps waiting or retrying whose time came. */
export const OFFBOARDING_TICK_MS = 5_000;

/**
 * The runner's periodic pass, once per tick across instances (the job lease); cases opened to run now do not wait
 * for it (open() runs them at once). Tests start the app without jobs and call RunCase.runDue() themselves.
 */
@Injectable()
export class OffboardingJobs implements OnApplicationBootstrap, OnApplicationShutdown {
  private handle: NodeJS.Timeout | null = null;

  constructor(
    @Inject(RUN_OFFBOARDING_JOBS) private readonly enabled: boolean,
    private readonly leases: LeaseService,
    private readonly runner: RunCase,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.handle = setInterval(
      () => void this.leases.runOncePerTick('offboarding-runner', OFFBOARDING_TICK_MS, () => this.runner.runDue().then(() => undefined)).catch(() => undefined),
      OFFBOARDING_TICK_MS,
    );
    this.handle.unref();
  }

  onApplicationShutdown(): void {
    if (this.handle) clearInterval(this.handle);
    this.handle = null;
  }
}
