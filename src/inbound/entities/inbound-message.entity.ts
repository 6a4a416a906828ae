import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * received → being handled; then the handler's outcome (`unsubscribed`, `hard-bounce`, `ignored`, …) or
 * `failed` (a temporary failure: answered 451, handled again when the sender retries) or `refused` (answered 5xx).
 */
export type InboundStatus = 'received' | 'handled' | 'failed' | 'refused';

/** One received message, once: UNIQUE (message_id, content_sha256) keeps a second delivery out. */
@Entity('inbound_messages')
export class InboundMessage {
  @PrimaryGeneratedColumn() id: number;
  /** When it arrived; for a message handled again after a failure, when that delivery arrived. */
  @Column({ name: 'received_at', type: 'datetime' }) receivedAt: Date;
  @Column({ name: 'envelope_from', type: 'varchar', length: 320 }) envelopeFrom: string;
  /** The recipients of the SMTP transaction, comma-separated. */
  @Column({ name: 'envelope_to', type: 'varchar', length: 1000 }) envelopeTo: string;
  /** Without angle brackets, at most 255 characters; '' for a mail without one. */
  @Column({ name: 'message_id', type: 'varchar', length: 255 }) messageId: string;
  /** SHA-256 of what the message says (see InboundReceiver.contentHash), not of its trace headers. */
  @Column({ name: 'content_sha256', type: 'varchar', length: 64 }) contentSha256: string;
  @Column({ type: 'integer' }) size: number;
  /** Relative to FILES_DIR. */
  @Column({ name: 'raw_path', type: 'varchar', length: 255 }) rawPath: string;
  @Column({ name: 'is_automatic', type: 'boolean' }) isAutomatic: boolean;
  @Column({ type: 'varchar', length: 255 }) subject: string;
  /** The handlers that claimed its recipients, comma-separated. */
  @Column({ type: 'varchar', length: 255 }) handler: string;
  @Column({ type: 'varchar', length: 16 }) status: InboundStatus;
  @Column({ type: 'varchar', length: 64, nullable: true }) outcome: string | null;
  @Column({ type: 'varchar', length: 500, nullable: true }) detail: string | null;
  @Column({ type: 'text', nullable: true }) error: string | null;
  @Column({ name: 'handled_at', type: 'datetime', nullable: true }) handledAt: Date | null;
}
