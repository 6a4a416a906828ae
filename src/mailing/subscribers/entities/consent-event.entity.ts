import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** How a change reached us; kept with every consent change. */
export const CONSENT_SOURCES = ['form', 'import', 'admin', 'purchase', 'api', 'link', 'one-click', 'preferences', 'account', 'bounce', 'complaint', 'offboarding'] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

export const CONSENT_ACTIONS = [
  'subscribed', // confirmed straight away (single opt-in, import, admin)
  'pending', // unconfirmed, a confirmation mail sent
  'confirmed',
  'unsubscribed',
  'suppressed',
  'unsuppressed',
  'profile', // name or language changed
] as const;
export type ConsentAction = (typeof CONSENT_ACTIONS)[number];

/** Append-only: the consent record. */
@Entity('consent_events')
export class ConsentEvent {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'subscriber_id', type: 'integer' }) subscriberId: number;
  @Column({ name: 'list_id', type: 'integer', nullable: true }) listId: number | null;
  @Column({ name: 'campaign_id', type: 'integer', nullable: true }) campaignId: number | null;
  @Column({ type: 'varchar', length: 24 }) action: ConsentAction;
  @Column({ type: 'varchar', length: 16 }) source: ConsentSource;
  @Column({ type: 'varchar', length: 45 }) ip: string;
  @Column({ name: 'actor_user_id', type: 'integer', nullable: true }) actorUserId: number | null;
  @Column({ type: 'varchar', length: 255 }) detail: string;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
