import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Locale } from '../../config/config';
import type { Role } from '../../users/entities/user.entity';
import type { CaseStatus } from '../offboarding.contract';

/** The statuses in which a case is open: `active_client_id` holds the client's id, so a second one cannot open. */
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = ['proposed', 'scheduled', 'running', 'attention'];

/**
 * One offboarding case of one client (issue 15). The reason and evidence are private (staff only). `input` is the
 * CaseInput as JSON; the notice columns are the copy as sent, written by the engine from the notice step's result.
 */
@Entity('offboarding_cases')
export class OffboardingCase {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ type: 'varchar', length: 16 }) status: CaseStatus;
  @Column({ type: 'text' }) reason: string;
  /** JSON array of links. */
  @Column({ type: 'text' }) evidence: string;
  /** JSON of the stored input (see offboarding-input.ts). */
  @Column({ type: 'text' }) input: string;
  @Column({ name: 'run_at', type: 'datetime' }) runAt: Date;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_by_label', type: 'varchar', length: 254 }) createdByLabel: string;
  @Column({ name: 'created_by_role', type: 'varchar', length: 16 }) createdByRole: Role;
  @Column({ name: 'approved_by', type: 'integer', nullable: true }) approvedBy: number | null;
  @Column({ name: 'approved_by_label', type: 'varchar', length: 254, nullable: true }) approvedByLabel: string | null;
  @Column({ name: 'approved_at', type: 'datetime', nullable: true }) approvedAt: Date | null;
  @Column({ name: 'started_at', type: 'datetime', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'datetime', nullable: true }) finishedAt: Date | null;
  @Column({ name: 'canceled_at', type: 'datetime', nullable: true }) canceledAt: Date | null;
  @Column({ name: 'canceled_by_label', type: 'varchar', length: 254, nullable: true }) canceledByLabel: string | null;
  @Column({ name: 'reinstated_at', type: 'datetime', nullable: true }) reinstatedAt: Date | null;
  @Column({ name: 'reinstated_by_label', type: 'varchar', length: 254, nullable: true }) reinstatedByLabel: string | null;
  /** JSON of the ReinstateResult. */
  @Column({ name: 'reinstate_result', type: 'text', nullable: true }) reinstateResult: string | null;
  @Column({ name: 'notice_subject', type: 'varchar', length: 500, nullable: true }) noticeSubject: string | null;
  @Column({ name: 'notice_body', type: 'text', nullable: true }) noticeBody: string | null;
  @Column({ name: 'notice_locale', type: 'varchar', length: 5, nullable: true }) noticeLocale: Locale | null;
  @Column({ name: 'notice_sent_at', type: 'datetime', nullable: true }) noticeSentAt: Date | null;
  /** The client's id while the case is open, NULL after: unique, so one open case per client. */
  @Column({ name: 'active_client_id', type: 'integer', nullable: true }) activeClientId: number | null;
  /** The runner's claim: while `locked_until` is ahead, only the runner holding `runner_token` runs the steps. */
  @Column({ name: 'locked_until', type: 'datetime', nullable: true }) lockedUntil: Date | null;
  @Column({ name: 'runner_token', type: 'varchar', length: 64, nullable: true }) runnerToken: string | null;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
