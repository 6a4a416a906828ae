import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { SYSTEM_ACTOR } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { Database } from '../../database/database.service';
import { retryDelayMs } from '../../mail/retry-policy';
import { CaseInput, CaseStatus, STEP_EXECUTORS, StepContext, StepExecutor, StepName, StepOutcome, StepResults } from '../offboarding.contract';
import { OffboardingCasesRepository, UNFINISHED_STEP_STATUSES } from '../offboarding-cases.repository';
import { isInjectedFault, OffboardingFaults } from '../offboarding-faults';
import { parseJson, readInput } from '../offboarding-input';
import { OffboardingCase } from '../entities/offboarding-case.entity';
import { OffboardingStep } from '../entities/offboarding-step.entity';

/** A failing step is tried this many times in all, with backoff between, before it waits for the owner. */
export const STEP_MAX_ATTEMPTS = 5;
/** The first wait after a failure; it doubles each time (the mail retry rule's curve, mail/retry-policy.ts). */
export const STEP_RETRY_BASE_MS = 30_000;
/** A waiting step that names no time of its own is asked again after this. */
export const WAIT_RECHECK_MS = 60_000;
/** How long a runner's claim on a case holds; it is pushed on after every step, so only a dead runner's runs out. */
export const CLAIM_MS = 5 * 60_000;

/** A local step whose record lost a race (the owner skipped it meanwhile): its transaction rolls back. */
class StepRaced extends Error {}

/**
 * The runner: runs the steps of one case that have work now, in their order, each independent of the others.
 * It first claims the case (compare-and-set on `locked_until`), so two runners, two instances or a double click
 * never run a step twice at once. A `local` step runs and is recorded in one transaction; an `external` one is
 * marked started (attempts + 1) and committed, called, then its answer recorded. A crash between leaves the step
 * `running`, and the next run calls it again with the same key, which the step uses to find what it did.
 */
@Injectable()
export class RunCase {
  private readonly logger = new Logger('Offboarding');
  private readonly executors: Map<StepName, StepExecutor>;

  constructor(
    private readonly db: Database,
    private readonly cases: OffboardingCasesRepository,
    private readonly audit: AuditService,
    private readonly faults: OffboardingFaults,
    @Inject(STEP_EXECUTORS) executors: StepExecutor[],
  ) {
    this.executors = new Map(executors.map((e) => [e.name, e]));
  }

  /** Runs the case if it has work at `now`; false when another runner holds it. */
  async execute(caseId: number, now: Date = new Date()): Promise<boolean> {
    const token = randomBytes(12).toString('hex');
    if (!(await this.cases.claim(caseId, token, now, CLAIM_MS))) return false;
    try {
      await this.runClaimed(caseId, token, now);
    } finally {
      // An exception here is not a dead process: give the case back at once. A dead runner's claim runs out.
      await this.cases.release(caseId, token).catch(() => undefined);
    }
    return true;
  }

  /** The periodic job's pass: every case with work due at `now`, one after another. */
  async runDue(now: Date = new Date(), limit = 50): Promise<number> {
    let ran = 0;
    for (const id of await this.cases.dueCaseIds(now, limit)) {
      try {
        if (await this.execute(id, now)) ran++;
      } catch (e) {
        if (isInjectedFault(e)) throw e;
        this.logger.error(`offboarding case ${id}: ${(e as Error).stack ?? e}`);
      }
    }
    return ran;
  }

  /** Runs the case for an operation that just made it runnable (open, approve, retry); a failure is logged, not thrown. */
  async kick(caseId: number): Promise<void> {
    try {
      await this.execute(caseId);
    } catch (e) {
      // a crash test's injected fault stands for a dead process: the next run resumes the case
      if (isInjectedFault(e)) this.logger.debug(`offboarding case ${caseId}: ${e.message}`);
      else this.logger.error(`offboarding case ${caseId}: ${(e as Error).stack ?? e}`);
    }
  }

  private async runClaimed(caseId: number, token: string, now: Date): Promise<void> {
    let c = await this.cases.findById(caseId);
    if (!c) return;
    if (c.status === 'scheduled' && c.runAt.getTime() <= now.getTime()) {
      const started = await this.db.transaction(async (m) => {
        if (!(await this.cases.transition(m, caseId, ['scheduled'], { status: 'running', startedAt: now }))) return false;
        await this.audit.record(m, SYSTEM_ACTOR, { action: 'offboarding.start', subjectType: 'client', subjectId: c!.clientId, extra: { caseId } });
        return true;
      });
      if (!started) return;
      c = { ...c, status: 'running', startedAt: now };
    }
    if (c.status !== 'running') return;
    const input = readInput(c.input);
    // A second pass picks up a step an owner retried while this one ran.
    for (let pass = 0; pass < 2; pass++) {
      const due = (await this.cases.stepsOf(caseId)).filter((s) => isDue(s, now));
      if (!due.length) break;
      for (const s of due) {
        await this.runStep(c, input, s, now);
        this.faults.hit(`after-step:${s.name}`);
        if (!(await this.cases.extendClaim(caseId, token, new Date(Date.now() + CLAIM_MS)))) return;
      }
    }
    await this.settle(caseId, now);
  }

  private async runStep(c: OffboardingCase, input: CaseInput, s: OffboardingStep, now: Date): Promise<void> {
    const ex = this.executors.get(s.name);
    if (!ex) {
      await this.db.transaction((m) => this.record(m, c, s, s.attempts + 1, { status: 'failed', retryable: false, error: `no executor for the ${s.name} step` }, now));
      return;
    }
    // Asking again about an outside answer (a pending refund) is not another attempt.
    const attempts = s.status === 'waiting' ? s.attempts : s.attempts + 1;
    const ctx: StepContext = {
      caseId: c.id,
      clientId: c.clientId,
      step: { id: s.id, name: s.name, attempts, idempotencyKey: s.idempotencyKey, externalRef: s.externalRef, result: parseJson(s.result) },
      input,
      actor: SYSTEM_ACTOR,
      now,
    };
    if (ex.kind === 'local') {
      try {
        await this.db.transaction(async (m) => this.record(m, c, s, attempts, await ex.run(m, ctx), now, true));
      } catch (e) {
        if (isInjectedFault(e)) throw e;
        if (e instanceof StepRaced) return;
        await this.db.transaction((m) => this.record(m, c, s, attempts, thrown(e), now));
      }
      return;
    }
    if (s.status !== 'waiting') {
      await this.db.transaction((m) =>
        this.cases.updateStep(m, s.id, { status: 'running', attempts, startedAt: s.startedAt ?? now, nextAttemptAt: null, actorLabel: SYSTEM_ACTOR.label }),
      );
    }
    let outcome: StepOutcome;
    try {
      outcome = await ex.run(ctx);
    } catch (e) {
      if (isInjectedFault(e)) throw e;
      outcome = thrown(e);
    }
    await this.db.transaction((m) => this.record(m, c, s, attempts, outcome, now));
  }

  /** Writes a step's outcome (and the sent notice onto the case). `strict`: refuse if the step moved meanwhile. */
  private async record(m: EntityManager, c: OffboardingCase, s: OffboardingStep, attempts: number, o: StepOutcome, now: Date, strict = false): Promise<void> {
    const base = { attempts, startedAt: s.startedAt ?? now, actorLabel: SYSTEM_ACTOR.label };
    const result = 'result' in o && o.result !== undefined ? JSON.stringify(o.result) : s.result;
    const externalRef = 'externalRef' in o && o.externalRef !== undefined ? o.externalRef : s.externalRef;
    let patch: Partial<OffboardingStep> & { status: OffboardingStep['status'] };
    if (o.status === 'done') {
      patch = { ...base, status: 'done', result, externalRef, lastError: null, nextAttemptAt: null, finishedAt: now };
    } else if (o.status === 'waiting') {
      patch = { ...base, status: 'waiting', result, externalRef, nextAttemptAt: o.checkAgainAt ?? new Date(now.getTime() + WAIT_RECHECK_MS) };
    } else if (o.retryable && attempts < STEP_MAX_ATTEMPTS) {
      patch = { ...base, status: 'retrying', result, lastError: o.error.slice(0, 2000), nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts - 1, STEP_RETRY_BASE_MS)) };
    } else {
      patch = { ...base, status: 'failed', result, lastError: o.error.slice(0, 2000), nextAttemptAt: null };
    }
    const moved = await this.cases.transitionStep(m, s.id, strict ? UNFINISHED_STEP_STATUSES : [...UNFINISHED_STEP_STATUSES, 'failed', 'skipped'], patch);
    if (!moved) {
      if (strict) throw new StepRaced();
      return;
    }
    if (s.name === 'notice' && o.status !== 'failed' && o.result) await this.keepNotice(m, c, o.result as Partial<StepResults['notice']>, now);
    if (patch.status === 'done' || patch.status === 'failed') {
      await this.audit.record(m, SYSTEM_ACTOR, {
        action: patch.status === 'done' ? 'offboarding.step_done' : 'offboarding.step_failed',
        subjectType: 'client',
        subjectId: c.clientId,
        extra: { caseId: c.id, name: s.name, attempts, ...(patch.status === 'failed' ? { error: patch.lastError } : {}) },
      });
    }
  }

  /** The notice as sent is kept on the case: the record shows it, whatever the template says later. */
  private async keepNotice(m: EntityManager, c: OffboardingCase, r: Partial<StepResults['notice']>, now: Date): Promise<void> {
    if (typeof r.subject !== 'string' || typeof r.body !== 'string') return;
    const fresh = await this.cases.findById(c.id, m);
    await this.cases.update(m, c.id, {
      noticeSubject: r.subject.slice(0, 500),
      noticeBody: r.body,
      noticeLocale: r.locale ?? null,
      noticeSentAt: fresh?.noticeSentAt ?? (r.delivered ? now : null),
    });
  }

  /**
   * The case's status from its steps: running while any has work left, attention when none has and one failed,
   * done when every one is done or skipped (the client's open-case slot is freed then).
   */
  async settle(caseId: number, now: Date = new Date()): Promise<CaseStatus | null> {
    return this.db.transaction(async (m) => {
      const c = await this.cases.findById(caseId, m);
      if (!c || (c.status !== 'running' && c.status !== 'attention')) return c?.status ?? null;
      const steps = await this.cases.stepsOf(caseId, m);
      const next: CaseStatus = steps.some((s) => UNFINISHED_STEP_STATUSES.includes(s.status))
        ? 'running'
        : steps.some((s) => s.status === 'failed')
          ? 'attention'
          : 'done';
      if (next === c.status) return next;
      const patch = next === 'done' ? { status: next, finishedAt: now, activeClientId: null } : { status: next };
      if (!(await this.cases.transition(m, caseId, [c.status], patch))) return c.status;
      if (next !== 'running') {
        await this.audit.record(m, SYSTEM_ACTOR, {
          action: next === 'done' ? 'offboarding.done' : 'offboarding.attention',
          subjectType: 'client',
          subjectId: c.clientId,
          extra: { caseId, ...(next === 'attention' ? { name: steps.filter((s) => s.status === 'failed').map((s) => s.name).join(', ') } : {}) },
        });
      }
      return next;
    });
  }
}

function isDue(s: OffboardingStep, now: Date): boolean {
  if (s.status === 'pending' || s.status === 'running') return true;
  if (s.status === 'waiting' || s.status === 'retrying') return !s.nextAttemptAt || s.nextAttemptAt.getTime() <= now.getTime();
  return false;
}

/** A step that threw instead of answering: tried again, like any passing failure. */
function thrown(e: unknown): StepOutcome {
  return { status: 'failed', retryable: true, error: e instanceof Error ? e.message : String(e) };
}
