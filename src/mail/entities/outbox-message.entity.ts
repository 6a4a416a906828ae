import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type MailClass = 'transactional' | 'marketing';
/** What a mail is (its template); the outbox viewer shows it as words (`enumLabel('mail.kind', …)`). */
export const MAIL_KINDS = ['campaign', 'campaign-test', 'client-warning', 'mailing-confirm', 'offboarding-notice', 'password-changed', 'password-reset', 'ticket', 'warning-followup', 'welcome', 'welcome-back'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];
/** pending → sending → sent | failed; `kept` = no SMTP configured, kept for the built-in viewer. */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'kept';

@Entity('outbox')
export class OutboxMessage {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'message_id', type: 'varchar', length: 255 })
  messageId: string;

  /** Set when the cause may be retried (a webhook delivered twice): the second insert is a no-op. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 191, nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'mail_class', type: 'varchar', length: 16 })
  mailClass: MailClass;

  @Column({ type: 'varchar', length: 64 })
  template: string;

  @Column({ type: 'varchar', length: 5 })
  locale: string;

  @Column({ name: 'from_address', type: 'varchar', length: 320 })
  from: string;

  @Column({ name: 'to_address', type: 'varchar', length: 320 })
  to: string;

  @Column({ type: 'varchar', length: 998 })
  subject: string;

  @Column({ name: 'html_body', type: 'text' })
  html: string;

  @Column({ name: 'text_body', type: 'text' })
  text: string;

  /** Extra headers as a JSON object (List-Unsubscribe and friends for marketing mail). */
  @Column({ type: 'text', default: '{}' })
  headers: string;

  @Column({ type: 'varchar', length: 16 })
  status: OutboxStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'datetime' })
  nextAttemptAt: Date;

  @Column({ name: 'claim_token', type: 'varchar', length: 36, nullable: true })
  claimToken: string | null;

  @Column({ name: 'claimed_at', type: 'datetime', nullable: true })
  claimedAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'sent_at', type: 'datetime', nullable: true })
  sentAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  /** A delivery status report said this mail hard-bounced (src/mailing/inbound/bounce.handler.ts). */
  @Column({ name: 'bounced_at', type: 'datetime', nullable: true })
  bouncedAt: Date | null;

  @Column({ name: 'bounce_detail', type: 'varchar', length: 500, nullable: true })
  bounceDetail: string | null;
}
