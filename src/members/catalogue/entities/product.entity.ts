import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const PRODUCT_STATUSES = ['draft', 'published', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

@Entity('products')
export class Product {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 100 }) slug: string;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ name: 'price_label', type: 'varchar', length: 100, default: '' }) priceLabel: string;
  @Column({ type: 'varchar', length: 16, default: 'draft' }) status: ProductStatus;
  /** When a purchase of it is refunded, end the grant that purchase gave. */
  @Column({ name: 'end_grant_on_refund', type: 'boolean', default: true }) endGrantOnRefund: boolean;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
