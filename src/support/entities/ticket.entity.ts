import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../database/transformers';

export const TICKET_TYPES = ['support', 'consultation'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];
export const TICKET_STATUSES = ['open', 'waiting_for_staff', 'waiting_for_client', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const MESSAGE_KINDS = ['client', 'staff_reply', 'internal_note', 'system'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** A support ticket; its number (#N, in every subject) is its id. */
@Entity('tickets')
export class Ticket {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'client_id', type: 'integer', nullable: true }) clientId: number | null;
  /** "Not a client yet": inbound mail from an unknown address; staff link it to a client later. */
  @Column({ name: 'external_email', type: 'varchar', length: 320, nullable: true }) externalEmail: string | null;
  @Column({ type: 'varchar', length: 16 }) type: TicketType;
  @Column({ name: 'product_id', type: 'integer', nullable: true }) productId: number | null;
  @Column({ type: 'varchar', length: 200 }) subject: string;
  @Column({ type: 'varchar', length: 24 }) status: TicketStatus;
  @Column({ name: 'assignee_id', type: 'integer', nullable: true }) assigneeId: number | null;
  @Column({ type: 'varchar', length: 8, default: 'normal' }) priority: TicketPriority;
  @Column({ name: 'previous_ticket_id', type: 'integer', nullable: true }) previousTicketId: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'last_activity_at', type: 'datetime' }) lastActivityAt: Date;
  /** Since when the client's last message waits for staff; null when staff had the last word. */
  @Column({ name: 'waiting_since', type: 'datetime', nullable: true }) waitingSince: Date | null;
  @Column({ name: 'first_response_at', type: 'datetime', nullable: true }) firstResponseAt: Date | null;
  @Column({ name: 'closed_at', type: 'datetime', nullable: true }) closedAt: Date | null;
  /** Creation → first staff reply, in business hours where configured (else wall-clock), stored at that reply. */
  @Column({ name: 'first_response_seconds', type: 'integer', nullable: true }) firstResponseSeconds: number | null;
  /** Creation → close, likewise, stored at the close; null while open (a reopen clears it). */
  @Column({ name: 'resolution_seconds', type: 'integer', nullable: true }) resolutionSeconds: number | null;
}

/** One message of a ticket's thread. Internal notes and minutes are for staff only. */
@Entity('ticket_messages')
export class TicketMessage {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'ticket_id', type: 'integer' }) ticketId: number;
  @Column({ name: 'author_id', type: 'integer', nullable: true }) authorId: number | null;
  /** The sender's address when the author is not a user (inbound mail from an unknown address). */
  @Column({ name: 'author_email', type: 'varchar', length: 320, nullable: true }) authorEmail: string | null;
  @Column({ type: 'varchar', length: 16 }) kind: MessageKind;
  /** Plain text, always rendered escaped. */
  @Column({ type: 'text' }) body: string;
  @Column({ type: 'integer', nullable: true }) minutes: number | null;
  /** Our Message-ID (`<…@host>`), also the outbox row's when the message was mailed: replies thread on it. */
  @Column({ name: 'message_id', type: 'varchar', length: 255 }) messageId: string;
  @Column({ name: 'in_reply_to', type: 'varchar', length: 255, nullable: true }) inReplyTo: string | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  /** The inbound mail (inbound_messages.id) this message came from; unique: one mail is one message. */
  @Column({ name: 'inbound_id', type: 'integer', nullable: true }) inboundId: number | null;
}

/** A file attached to a ticket message; the bytes live under FILES_DIR/<storage_key>, outside the web root. */
@Entity('ticket_attachments')
export class TicketAttachment {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'ticket_id', type: 'integer' }) ticketId: number;
  @Column({ name: 'message_id', type: 'integer' }) messageId: number;
  @Column({ name: 'original_name', type: 'varchar', length: 255 }) originalName: string;
  @Column({ name: 'storage_key', type: 'varchar', length: 64 }) storageKey: string;
  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintNumber }) sizeBytes: number;
  @Column({ name: 'content_type', type: 'varchar', length: 127 }) contentType: string;
  @Column({ type: 'varchar', length: 64 }) sha256: string;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}

/** One "we got your message" acknowledgement per sender per UTC day: the primary key is the limit. */
@Entity('ticket_mail_acks')
export class TicketMailAck {
  @PrimaryColumn({ type: 'varchar', length: 320 }) email: string;
  /** YYYY-MM-DD, UTC. */
  @PrimaryColumn({ type: 'varchar', length: 10 }) day: string;
  @Column({ name: 'ticket_id', type: 'integer' }) ticketId: number;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}

@Entity('canned_replies')
export class CannedReply {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'text' }) body: string;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
