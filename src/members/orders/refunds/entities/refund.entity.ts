import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../../../database/transformers';

/**
 * - `started`: the row is committed and the provider is being (or was about to be) called; after a crash the
 *   outcome is not known, so a resume asks the provider (`lookup`) before creating anything;
 * - `unknown`: the provider answered 5xx, timed out or could not be reached: repeat with the same key;
 * - `pending`: the provider has the refund and has not finished it (the manual adapter: the owner has to act);
 * - `succeeded` / `failed`: final; neither ever changes again.
 */
export type RefundStatus = 'started' | 'unknown' | 'pending' | 'succeeded' | 'failed';
export const REFUND_STATUSES: readonly RefundStatus[] = ['started', 'unknown', 'pending', 'succeeded', 'failed'];
export type RefundAdapterName = 'manual' | 'http' | 'yookassa' | 'stripe';
export const REFUND_ADAPTERS: readonly RefundAdapterName[] = ['manual', 'http', 'yookassa', 'stripe'];

@Entity('refunds')
export class Refund {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'order_id', type: 'integer' }) orderId: number;
  @Column({ name: 'idempotency_key', type: 'varchar', length: 191 }) idempotencyKey: string;
  @Column({ type: 'varchar', length: 16 }) adapter: RefundAdapterName;
  @Column({ name: 'order_ref', type: 'varchar', length: 191 }) orderRef: string;
  /** Minor units (kopecks, cents). */
  @Column({ name: 'amount_minor', type: 'bigint', transformer: bigintNumber }) amountMinor: number;
  @Column({ name: 'amount_currency', type: 'varchar', length: 3 }) currency: string;
  @Column({ type: 'varchar', length: 16 }) status: RefundStatus;
  @Column({ name: 'provider_ref', type: 'varchar', length: 191, nullable: true }) providerRef: string | null;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'requested_at', type: 'datetime' }) requestedAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
  @Column({ name: 'finished_at', type: 'datetime', nullable: true }) finishedAt: Date | null;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_by_label', type: 'varchar', length: 200 }) createdByLabel: string;
}
