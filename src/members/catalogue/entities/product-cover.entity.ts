import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CoverType } from '../cover-image';

/** A product's cover image; the bytes live under FILES_DIR/<storage_key>, outside the web root. */
@Entity('product_covers')
export class ProductCover {
  @PrimaryColumn({ name: 'product_id', type: 'integer' }) productId: number;
  @Column({ name: 'storage_key', type: 'varchar', length: 64 }) storageKey: string;
  /** Sniffed from the bytes at upload. */
  @Column({ name: 'content_type', type: 'varchar', length: 32 }) contentType: CoverType;
  @Column({ name: 'size_bytes', type: 'integer' }) sizeBytes: number;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
