import { Module } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ClientNote } from '../../src/clients/entities/client-note.entity';
import { Database } from '../../src/database/database.service';
import {
  CASE_PLANNER,
  CasePlanner,
  CasePreview,
  OFFBOARDING_STEPS,
  REINSTATER,
  Reinstater,
  STEP_EXECUTORS,
  StepContext,
  StepExecutor,
  StepName,
  StepOutcome,
} from '../../src/offboarding/offboarding.contract';
import { OffboardingFaults } from '../../src/offboarding/offboarding-faults';
import { OffboardingFaultsModule } from '../../src/offboarding/offboarding-faults.module';

/**
 * Step executors for the engine's tests, in place of the real steps: each step's side effect is one row in
 * `client_notes` (body `effect:<idempotency key>`), so "exactly once" is a count in a real table. notice, revoke,
 * unsubscribe and ban are `local` (the row is written in the runner's transaction); refund is `external`: it
 * looks its key up first, "calls the provider" (writes the row in a transaction of its own), then answers.
 *
 * What each call does is scripted per step in `TEST_STEPS.script` (consumed one entry per call; empty = 'ok').
 */
export type Scripted = 'ok' | 'fail' | 'fail-for-good' | 'throw' | 'wait' | 'effect-then-500';

export const TEST_STEPS = {
  script: new Map<StepName, Scripted[]>(),
  /** Calls per step, every one (including those that found their effect already made). */
  calls: new Map<StepName, number>(),
  /** The external step holds this long inside its call (to overlap two runners). */
  refundDelayMs: 0,
  refundTotalMinor: 0,
  reinstated: 0,
  reset(): void {
    this.script.clear();
    this.calls.clear();
    this.refundDelayMs = 0;
    this.refundTotalMinor = 0;
    this.reinstated = 0;
  },
  next(name: StepName): Scripted {
    this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
    return this.script.get(name)?.shift() ?? 'ok';
  },
};

export const effectBody = (key: string) => `effect:${key}`;

function note(m: EntityManager, ctx: StepContext) {
  return m.insert(ClientNote, { clientId: ctx.clientId, authorId: null, authorLabel: 'test-step', body: effectBody(ctx.step.idempotencyKey), createdAt: new Date() });
}

function local(name: StepName, faults: OffboardingFaults): StepExecutor {
  return {
    name,
    kind: 'local',
    async run(m, ctx): Promise<StepOutcome> {
      const what = TEST_STEPS.next(name);
      if (what === 'fail') return { status: 'failed', retryable: true, error: `${name} is down` };
      if (what === 'fail-for-good') return { status: 'failed', retryable: false, error: `${name} refused` };
      if (what === 'throw') throw new Error(`${name} threw`);
      await note(m, ctx);
      if (name === 'notice') {
        faults.hit('notice:before-commit');
        return { status: 'done', result: { outboxId: 0, ownerCopyOutboxId: null, subject: 'Our work together', body: 'Hello', locale: 'en', delivered: false } };
      }
      if (name === 'revoke') {
        return { status: 'done', result: { grants: [], sessionsEnded: 0, apiKeysRevoked: 0, passwordLinksEnded: 0, ticketsClosed: [], accountDisabled: true } };
      }
      return { status: 'done', result: { step: name } };
    },
  };
}

function external(db: Database, faults: OffboardingFaults): StepExecutor {
  return {
    name: 'refund',
    kind: 'external',
    async run(ctx): Promise<StepOutcome> {
      const what = TEST_STEPS.next('refund');
      // On every call, first ask "the provider" by key: a resume never makes a second refund.
      const made = await db.manager.findOneBy(ClientNote, { body: effectBody(ctx.step.idempotencyKey) });
      if (made) return { status: 'done', result: { found: made.id }, externalRef: `ref-${made.id}` };
      if (TEST_STEPS.refundDelayMs) await new Promise((r) => setTimeout(r, TEST_STEPS.refundDelayMs));
      if (what === 'fail') return { status: 'failed', retryable: true, error: 'provider 500' };
      if (what === 'fail-for-good') return { status: 'failed', retryable: false, error: 'provider refused' };
      if (what === 'throw') throw new Error('connection reset');
      if (what === 'wait') return { status: 'waiting', result: { pending: true } };
      await db.transaction((m) => note(m, ctx));
      // the provider made the refund; its answer is lost (a 500, a crash) before we record it
      if (what === 'effect-then-500') return { status: 'failed', retryable: true, error: 'provider 500, outcome unknown' };
      faults.hit('refund:between-call-and-record');
      return { status: 'done', result: { refunds: [] }, externalRef: 'ref-new' };
    },
  };
}

const planner: CasePlanner = {
  async plan(clientId, input): Promise<Omit<CasePreview, 'approval'>> {
    return {
      client: { id: clientId, name: 'Test', email: 'test@example.com', locale: 'en' },
      steps: input.steps,
      when: input.when,
      notice: { locale: 'en', template: { subject: 's', body: 'b' }, rendered: { subject: 's', body: 'b' }, hints: [] },
      refunds: [],
      refundTotalMinor: TEST_STEPS.refundTotalMinor,
      grants: [],
      sessions: 0,
      apiKeys: 0,
      lists: [],
      unsentCampaignRows: 0,
      tickets: [],
      ban: { email: 'test@example.com', key: 'test@example.com', domain: null, expiresAt: null, alreadyBanned: false },
    };
  },
};

const reinstater: Reinstater = {
  async reinstate(m, _actor, c) {
    TEST_STEPS.reinstated++;
    await m.insert(ClientNote, { clientId: c.clientId, authorId: null, authorLabel: 'test-step', body: `reinstated:${c.caseId}`, createdAt: new Date() });
    return { grantsRestored: [], banLifted: false, accountReopened: true, welcomeBackOutboxId: null };
  },
};

@Module({
  imports: [OffboardingFaultsModule],
  providers: [
    {
      provide: STEP_EXECUTORS,
      inject: [Database, OffboardingFaults],
      useFactory: (db: Database, faults: OffboardingFaults): StepExecutor[] =>
        OFFBOARDING_STEPS.map((name) => (name === 'refund' ? external(db, faults) : local(name, faults))),
    },
    { provide: CASE_PLANNER, useValue: planner },
    { provide: REINSTATER, useValue: reinstater },
  ],
  exports: [STEP_EXECUTORS, CASE_PLANNER, REINSTATER],
})
export class TestOffboardingStepsModule {}
