import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type GrantEventKind = 'created' | 'extended' | 'revoked' | 'reinstated';

@Entity('grant_events')
export class GrantEvent {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'grant_id', type: 'integer' }) grantId: number;
  @Column({ type: 'varchar', length: 16 }) kind: GrantEventKind;
  @Column({ name: 'ends_at_before', type: 'datetime', nullable: true }) endsAtBefore: Date | null;
  @Column({ name: 'ends_at_after', type: 'datetime', nullable: true }) endsAtAfter: Date | null;
  @Column({ name: 'actor_user_id', type: 'integer', nullable: true }) actorUserId: number | null;
  @Column({ name: 'actor_label', type: 'varchar', length: 254 }) actorLabel: string;
  /** Display text; what a purchase did is found by order_id, never by this text. */
  @Column({ type: 'text', nullable: true }) reason: string | null;
  /** The order whose purchase caused this event (created or extended the grant); null for everything else. */
  @Column({ name: 'order_id', type: 'integer', nullable: true }) orderId: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
