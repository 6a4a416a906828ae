import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const BAN_KINDS = ['address', 'domain'] as const;
export type BanKind = (typeof BAN_KINDS)[number];

/**
 * One ban of one identity (an address key) or of a whole domain. Never deleted: lifting fills the lift columns and
 * a later ban of the same identity is a new row, so the rows of one `keyHmac` are its history.
 */
@Entity('bans')
export class Ban {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 16 }) kind: BanKind;
  /** emailKey() of the address, or domainKey() of the domain; null once anonymised (the HMAC stays). */
  @Column({ name: 'email_key', type: 'varchar', length: 254, nullable: true }) emailKey: string | null;
  /** HMAC-SHA256(SECRET_KEY, key), base64url: how a ban still matches after anonymisation. */
  @Column({ name: 'key_hmac', type: 'varchar', length: 64 }) keyHmac: string;
  /** Private: staff only, never shown or sent to the person banned. */
  @Column({ type: 'text' }) reason: string;
  @Column({ name: 'expires_at', type: 'datetime', nullable: true }) expiresAt: Date | null;
  /** The offboarding case that banned, when one did. */
  @Column({ name: 'case_id', type: 'integer', nullable: true }) caseId: number | null;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'lifted_at', type: 'datetime', nullable: true }) liftedAt: Date | null;
  @Column({ name: 'lifted_by', type: 'integer', nullable: true }) liftedBy: number | null;
  @Column({ name: 'lift_reason', type: 'text', nullable: true }) liftReason: string | null;
}
