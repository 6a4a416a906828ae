import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { StepName, StepStatus } from '../offboarding.contract';

/** One step of a case, with what it did (`result`, JSON), how often it was tried and who ran it last. */
@Entity('offboarding_steps')
export class OffboardingStep {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'case_id', type: 'integer' }) caseId: number;
  @Column({ type: 'varchar', length: 16 }) name: StepName;
  @Column({ type: 'integer' }) position: number;
  @Column({ type: 'varchar', length: 16 }) status: StepStatus;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  /** `offboarding:<caseId>:<step>`; unique. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 120 }) idempotencyKey: string;
  @Column({ name: 'external_ref', type: 'varchar', length: 255, nullable: true }) externalRef: string | null;
  @Column({ type: 'text', nullable: true }) result: string | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'next_attempt_at', type: 'datetime', nullable: true }) nextAttemptAt: Date | null;
  @Column({ name: 'started_at', type: 'datetime', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'datetime', nullable: true }) finishedAt: Date | null;
  @Column({ name: 'actor_label', type: 'varchar', length: 254, nullable: true }) actorLabel: string | null;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
