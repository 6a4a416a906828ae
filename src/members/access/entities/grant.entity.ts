import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const GRANT_SOURCES = ['purchase', 'manual', 'key', 'import', 'reinstatement'] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

/** Access of one client to one product. Never deleted: ending it sets revoked_at, and grant_events keeps history. */
@Entity('grants')
export class Grant {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'client_id', type: 'integer' }) clientId: number;
  @Column({ name: 'product_id', type: 'integer' }) productId: number;
  @Column({ name: 'starts_at', type: 'datetime' }) startsAt: Date;
  /** null = forever */
  @Column({ name: 'ends_at', type: 'datetime', nullable: true }) endsAt: Date | null;
  @Column({ type: 'varchar', length: 16 }) source: GrantSource;
  @Column({ name: 'revoked_at', type: 'datetime', nullable: true }) revokedAt: Date | null;
  @Column({ name: 'revoked_by', type: 'integer', nullable: true }) revokedBy: number | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'order_id', type: 'integer', nullable: true }) orderId: number | null;
  @Column({ name: 'access_key_id', type: 'integer', nullable: true }) accessKeyId: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
