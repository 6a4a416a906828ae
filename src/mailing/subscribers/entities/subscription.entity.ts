import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const SUBSCRIPTION_STATUSES = ['unconfirmed', 'confirmed', 'unsubscribed'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

@Entity('subscriptions')
export class Subscription {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'subscriber_id', type: 'integer' }) subscriberId: number;
  @Column({ name: 'list_id', type: 'integer' }) listId: number;
  @Column({ type: 'varchar', length: 16 }) status: SubscriptionStatus;
  @Column({ name: 'confirm_token_hash', type: 'varchar', length: 64, nullable: true }) confirmTokenHash: string | null;
  @Column({ name: 'confirm_sent_at', type: 'datetime', nullable: true }) confirmSentAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
