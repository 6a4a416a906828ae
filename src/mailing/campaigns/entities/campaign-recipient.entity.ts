import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * pending  → waiting (or waiting for a retry at next_attempt_at)
 * claimed  → taken by a sender, not yet handed to the SMTP server: if the sender dies, it goes back to pending
 * sending  → handed to the SMTP pool (a window of rows at a time), outcome not yet recorded
 * sent | failed (temporary failures ran out) | bounced (5xx) | skipped (unsubscribed/suppressed before it went out)
 * unknown  → the sender died while the row was `sending`: it may or may not have gone out; flagged for the
 *            operator, never resent on its own (see docs in src/mailing/sender/campaign-sender.ts).
 */
export const RECIPIENT_STATUSES = ['pending', 'claimed', 'sending', 'sent', 'failed', 'bounced', 'skipped', 'unknown'] as const;
export type RecipientStatus = (typeof RECIPIENT_STATUSES)[number];

@Entity('campaign_recipients')
export class CampaignRecipient {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'campaign_id', type: 'integer' }) campaignId: number;
  @Column({ name: 'subscriber_id', type: 'integer' }) subscriberId: number;
  @Column({ name: 'list_id', type: 'integer', nullable: true }) listId: number | null;
  @Column({ type: 'varchar', length: 12 }) status: RecipientStatus;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'next_attempt_at', type: 'datetime' }) nextAttemptAt: Date;
  // claim_token (not mapped): the sender holding a claimed or sending row; every statement of that sender names it
  // (see RecipientsRepository), so a row taken from a sender meanwhile is never touched by it.
  @Column({ name: 'claimed_at', type: 'datetime', nullable: true }) claimedAt: Date | null;
  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true }) lastError: string | null;
  @Column({ name: 'sent_at', type: 'datetime', nullable: true }) sentAt: Date | null;
}
