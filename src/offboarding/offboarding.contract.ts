import type { EntityManager } from 'typeorm';
import type { Actor } from '../audit/actor';
import type { Locale } from '../config/config';
import type { Role } from '../users/entities/user.entity';
import type { NoticeHint } from './notice-check';
import type { NoticeText } from './notice-template';

/**
 * The offboarding workflow's shared shapes: the case and its steps as services answer them, the step executor
 * every step implements, and what the runner, the pages and the API agree on. The runner
 * (usecases/run-case.usecase.ts) knows nothing of what a step does; a step knows nothing of the case's life.
 */

/** In the order they run. Each is independent of the others: one that fails does not stop the rest. */
export const OFFBOARDING_STEPS = ['notice', 'refund', 'revoke', 'unsubscribe', 'ban'] as const;
export type StepName = (typeof OFFBOARDING_STEPS)[number];

/**
 * proposed: waits for an owner's or admin's approval; scheduled: approved, waits for its date (cancelable);
 * running: steps are being run (or wait for an outside answer); attention: a step failed for good, the owner
 * retries or skips it; done: every step done or skipped; canceled: before it started; reinstated: the client was
 * let back in after the case finished.
 */
export const CASE_STATUSES = ['proposed', 'scheduled', 'running', 'attention', 'done', 'canceled', 'reinstated'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/**
 * pending: not run yet; running: started (its key recorded) and not answered yet — a crash leaves it here and the
 * next run resumes it; waiting: an outside answer is due (a pending refund, a manual refund to confirm, the notice
 * not delivered yet); retrying: failed, tried again at next_attempt_at; failed: gave up, the owner decides;
 * done; skipped: not chosen, or skipped by the owner.
 */
export const STEP_STATUSES = ['pending', 'running', 'waiting', 'retrying', 'failed', 'done', 'skipped'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

/** Who acts, with the role the approval rule asks about (an API key acts as admin). */
export interface OffboardingActor extends Actor {
  role: Role;
}

/** What "Offboard" is asked to do; parsed at the edge (form or JSON) into this. */
export interface CaseInput {
  /** Private: never shown to the client, never in a mail to them. */
  reason: string;
  /** Links to tickets and notes (admin paths or URLs), private like the reason. */
  evidence: string[];
  /** The steps to run; the rest are recorded as skipped. Default: all. */
  steps: StepName[];
  /** 'now', or a moment (end of the paid period): the case waits as scheduled and can be canceled until then. */
  when: 'now' | Date;
  /** The notice as edited in the preview; absent = the default template in the client's language. */
  notice?: NoticeText;
  /** Per order, full or partial; absent = every paid order, what is left of it to refund. */
  refunds?: { orderId: number; amountMinor: number }[];
  /** The grants to end; absent = every running grant. */
  grantIds?: number[];
  /** Ban the whole domain of the address, not only the identity. */
  banDomain?: boolean;
  banExpiresAt?: Date | null;
}

/** The dry run: everything the case would do, read without changing anything. */
export interface CasePreview {
  client: { id: number; name: string; email: string; locale: Locale };
  steps: StepName[];
  when: 'now' | Date;
  notice: {
    locale: Locale;
    /** The editable source, with {{variables}}. */
    template: NoticeText;
    /** As the client will receive it, variables filled. */
    rendered: NoticeText;
    hints: NoticeHint[];
  };
  refunds: {
    orderId: number;
    /** The seller's order id. */
    externalId: string;
    productTitle: string;
    paidMinor: number;
    refundedMinor: number;
    /** What this case would refund; never more than paid less refunded. */
    amountMinor: number;
    currency: string;
    adapter: string;
  }[];
  refundTotalMinor: number;
  grants: { id: number; productId: number; productTitle: string; startsAt: Date; endsAt: Date | null }[];
  sessions: number;
  apiKeys: number;
  lists: { id: number; name: string }[];
  /** Campaign rows not yet sent to the address, which the unsubscribe step skips. */
  unsentCampaignRows: number;
  tickets: { id: number; subject: string; status: string }[];
  ban: { email: string; key: string; domain: string | null; expiresAt: Date | null; alreadyBanned: boolean };
  approval: { required: boolean; why: 'staff' | 'over_limit' | null };
}

export interface StepView {
  name: StepName;
  position: number;
  status: StepStatus;
  attempts: number;
  idempotencyKey: string;
  externalRef: string | null;
  /** The step's own record of what it did (see StepResults); null before it ran. */
  result: Record<string, unknown> | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Who ran it last (the runner: 'system'; a retry or skip: the person). */
  actorLabel: string | null;
}

export interface CaseView {
  id: number;
  status: CaseStatus;
  client: { id: number; name: string; email: string };
  reason: string;
  evidence: string[];
  runAt: Date;
  createdAt: Date;
  createdBy: string;
  approvedBy: string | null;
  approvedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  canceledAt: Date | null;
  /** The notice as sent (stored on the case), once the notice step ran. */
  noticeSent: { subject: string; body: string; locale: Locale; sentAt: Date | null } | null;
  steps: StepView[];
  reinstatement: { at: Date; by: string; result: ReinstateResult } | null;
  can: { approve: boolean; cancel: boolean; reinstate: boolean };
}

export interface CaseListItem {
  id: number;
  status: CaseStatus;
  client: { id: number; name: string; email: string };
  runAt: Date;
  createdAt: Date;
  createdBy: string;
  finishedAt: Date | null;
}

/** What each step stores as its result (StepView.result), so pages, the record and reinstatement read it. */
export interface StepResults {
  notice: { outboxId: number; ownerCopyOutboxId: number | null; subject: string; body: string; locale: Locale; delivered: boolean };
  refund: { refunds: { orderId: number; refundId: number; key: string; amountMinor: number; currency: string; status: string; providerRef: string | null }[] };
  revoke: {
    /** Exactly what was ended, so reinstatement can put it back as it was. */
    grants: { grantId: number; productId: number; productTitle: string; startsAt: string; endsAt: string | null; source: string }[];
    sessionsEnded: number;
    apiKeysRevoked: number;
    passwordLinksEnded: number;
    ticketsClosed: number[];
    accountDisabled: boolean;
  };
  unsubscribe: { lists: { id: number; name: string }[]; suppressed: boolean; campaignRowsSkipped: number };
  ban: { banId: number; key: string; domain: string | null; created: boolean };
}

/** What the runner hands a step. */
export interface StepContext {
  caseId: number;
  clientId: number;
  step: {
    id: number;
    name: StepName;
    attempts: number;
    idempotencyKey: string;
    externalRef: string | null;
    result: Record<string, unknown> | null;
  };
  /** The case's input as stored (the edited notice, the chosen refunds and grants, the ban options). */
  input: CaseInput;
  actor: Actor;
  now: Date;
}

export type StepOutcome =
  | { status: 'done'; result: Record<string, unknown>; externalRef?: string | null }
  /** An outside answer is due; the runner asks again (run() is called again with the same record) later. */
  | { status: 'waiting'; result?: Record<string, unknown>; externalRef?: string | null; checkAgainAt?: Date }
  /** retryable: the runner retries with backoff, then gives up (failed); otherwise failed at once. */
  | { status: 'failed'; error: string; retryable: boolean; result?: Record<string, unknown> };

/**
 * One step. A `local` step changes only our database: the runner calls run() inside the transaction in which it
 * records the outcome, so the step and its record commit together (its mail goes to the outbox in it too) and a
 * crash before the commit changes nothing. An `external` step calls out: run() gets no transaction, makes its own
 * phases (key recorded and committed before the call, the answer recorded after), and on a resume asks the
 * provider by key before it creates anything.
 */
export type StepExecutor =
  | { readonly name: StepName; readonly kind: 'local'; run(m: EntityManager, ctx: StepContext): Promise<StepOutcome> }
  | { readonly name: StepName; readonly kind: 'external'; run(ctx: StepContext): Promise<StepOutcome> };

/** Reinstatement: what the owner picks of what the revoke step ended. */
export interface ReinstateInput {
  /** Grants from the revoke step's result to put back (each with its original end and start, so drip dates hold). */
  grantIds: number[];
  liftBan: boolean;
  reopenAccount: boolean;
  sendWelcomeBack: boolean;
}

export interface ReinstateResult {
  grantsRestored: { grantId: number; newGrantId: number; productTitle: string; startsAt: string; endsAt: string | null }[];
  banLifted: boolean;
  accountReopened: boolean;
  welcomeBackOutboxId: number | null;
}

/** Fault points the crash tests inject at (OffboardingFaults, a no-op in the app). */
export type FaultPoint = `after-step:${StepName}` | 'refund:between-call-and-record' | 'notice:before-commit';

/**
 * What the pages and the API call (OffboardingService implements it; the pages' and the API's controllers only
 * bind input and call one of these). Errors are AppErrors with codes (offboarding.errors.*): not found (404),
 * a case already open for the client (409, with the open case's id), not allowed for the role (403), a state
 * that does not allow it (409), bad input (400/422).
 */
export interface OffboardingOperations {
  preview(actor: OffboardingActor, clientId: number, input: CaseInput): Promise<CasePreview>;
  /** A double click or a second worker gets the same case back (created: false). */
  open(actor: OffboardingActor, clientId: number, input: CaseInput): Promise<{ case: CaseView; created: boolean }>;
  /** Bulk: one case per client, each with the same guarantees; the default notice, refunds and grants for each. */
  openMany(actor: OffboardingActor, clientIds: number[], input: Omit<CaseInput, 'refunds' | 'grantIds'>): Promise<{ opened: { clientId: number; caseId: number; created: boolean }[]; refused: { clientId: number; code: string }[] }>;
  get(caseId: number): Promise<CaseView>;
  list(filter: { status?: CaseStatus; clientId?: number }, page: import('../common/http/pagination').Page): Promise<{ items: CaseListItem[]; total: number }>;
  forClient(clientId: number): Promise<CaseListItem[]>;
  approve(actor: OffboardingActor, caseId: number): Promise<CaseView>;
  cancel(actor: OffboardingActor, caseId: number): Promise<CaseView>;
  /** A failed or retrying step (or every one of them when none is named) is run again now. */
  retry(actor: OffboardingActor, caseId: number, step?: StepName): Promise<CaseView>;
  skip(actor: OffboardingActor, caseId: number, step: StepName): Promise<CaseView>;
  reinstateOptions(caseId: number): Promise<{ grants: StepResults['revoke']['grants']; banned: boolean; accountDisabled: boolean }>;
  reinstate(actor: OffboardingActor, caseId: number, input: ReinstateInput): Promise<CaseView>;
}

/** Nest tokens of what the steps module (steps/offboarding-steps.module.ts) provides to the engine. */
export const STEP_EXECUTORS = 'OFFBOARDING_STEP_EXECUTORS';
export const CASE_PLANNER = 'OFFBOARDING_CASE_PLANNER';
export const REINSTATER = 'OFFBOARDING_REINSTATER';

/** The dry run's reads (changes nothing); the engine adds the approval rule's answer. */
export interface CasePlanner {
  plan(clientId: number, input: CaseInput, now: Date): Promise<Omit<CasePreview, 'approval'>>;
}

/** Puts back what the owner picks, in the caller's transaction (the engine records the case as reinstated in it). */
export interface Reinstater {
  reinstate(
    m: EntityManager,
    actor: Actor,
    c: { caseId: number; clientId: number; revoke: StepResults['revoke'] | null; ban: StepResults['ban'] | null },
    input: ReinstateInput,
  ): Promise<ReinstateResult>;
}
