import { Injectable } from '@nestjs/common';
import type { FaultPoint } from './offboarding.contract';

/** What an armed fault point throws: the crash tests' stand-in for the process dying there. */
export class InjectedFault extends Error {
  constructor(readonly point: FaultPoint) {
    super(`injected fault at ${point}`);
    this.name = 'InjectedFault';
  }
}

/**
 * Fault points of the offboarding workflow for the crash tests. The runner calls `hit('after-step:<name>')` after
 * each step's commit; the steps call `hit('refund:between-call-and-record')` and `hit('notice:before-commit')`.
 * In the app nothing is ever armed, so `hit()` is a no-op; a test arms a point, and the next hit throws an
 * InjectedFault, which the runner passes on instead of recording it as a step failure (a crash records nothing).
 * One instance for the engine and the steps: both import OffboardingFaultsModule.
 */
@Injectable()
export class OffboardingFaults {
  private readonly armed = new Map<FaultPoint, number>();

  hit(point: FaultPoint): void {
    const left = this.armed.get(point);
    if (!left) return;
    if (left <= 1) this.armed.delete(point);
    else this.armed.set(point, left - 1);
    throw new InjectedFault(point);
  }

  /** Tests: the next `times` hits of `point` throw. */
  arm(point: FaultPoint, times = 1): void {
    this.armed.set(point, times);
  }

  disarm(): void {
    this.armed.clear();
  }
}

export function isInjectedFault(e: unknown): e is InjectedFault {
  return e instanceof InjectedFault;
}
