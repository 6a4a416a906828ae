import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Locale } from '../../../config/config';

export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'complained', 'banned', 'offboarded'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** One person on the mailing side, by normalised email; linked to the client account with the same email. */
@Entity('subscribers')
export class Subscriber {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 254 }) email: string;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'varchar', length: 5, nullable: true }) locale: Locale | null;
  @Column({ name: 'user_id', type: 'integer', nullable: true }) userId: number | null;
  /** Set = no marketing mail at all, whatever list the address is on. */
  @Column({ name: 'suppressed_reason', type: 'varchar', length: 16, nullable: true }) suppressedReason: SuppressionReason | null;
  @Column({ name: 'suppressed_at', type: 'datetime', nullable: true }) suppressedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
