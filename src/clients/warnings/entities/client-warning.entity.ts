import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A request outside the terms, as the warning listed it: the ticket and its subject at the time of sending. */
export interface WarningRequest {
  ticketId: number;
  subject: string;
  createdAt: string;
}

/**
 * One "last attempt" mail to a client (issue 15, seed 002): the original terms, the requests beyond them, a new
 * estimate for the extra work. Never changed after sending except for the follow-up marks; the sent copy is kept
 * as the client received it.
 */
@Entity('client_warnings')
export class ClientWarning {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ type: 'text' }) terms: string;
  /** JSON: WarningRequest[]. */
  @Column({ type: 'text' }) requests: string;
  @Column({ type: 'text' }) estimate: string;
  @Column({ type: 'text' }) intro: string;
  /** `YYYY-MM-DD`, a day in the site zone; due from its start. */
  @Column({ name: 'follow_up_on', type: 'varchar', length: 10, nullable: true }) followUpOn: string | null;
  @Column({ name: 'follow_up_done_at', type: 'datetime', nullable: true }) followUpDoneAt: Date | null;
  @Column({ name: 'follow_up_done_by', type: 'integer', nullable: true }) followUpDoneBy: number | null;
  /** When the owner was reminded of the follow-up (set in the transaction that queued the reminder). */
  @Column({ name: 'reminded_at', type: 'datetime', nullable: true }) remindedAt: Date | null;
  @Column({ name: 'outbox_id', type: 'integer', nullable: true }) outboxId: number | null;
  @Column({ type: 'varchar', length: 5 }) locale: string;
  @Column({ type: 'varchar', length: 998 }) subject: string;
  /** The plain-text part as sent. */
  @Column({ name: 'body_text', type: 'text' }) bodyText: string;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
