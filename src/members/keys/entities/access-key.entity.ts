import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A single-use code that opens a product for `durationDays` (null = forever). */
@Entity('access_keys')
export class AccessKey {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 40 }) code: string;
  @Column({ type: 'varchar', length: 40 }) batch: string;
  @Column({ name: 'product_id', type: 'integer' }) productId: number;
  @Column({ name: 'duration_days', type: 'integer', nullable: true }) durationDays: number | null;
  @Column({ name: 'disabled_at', type: 'datetime', nullable: true }) disabledAt: Date | null;
  @Column({ name: 'redeemed_by', type: 'integer', nullable: true }) redeemedBy: number | null;
  @Column({ name: 'redeemed_at', type: 'datetime', nullable: true }) redeemedAt: Date | null;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
