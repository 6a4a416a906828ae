import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintNumber } from '../../../database/transformers';

/** A file uploaded by staff; the bytes live under FILES_DIR/<storage_key>, outside the web root. */
@Entity('files')
export class StoredFile {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'product_id', type: 'integer' }) productId: number;
  @Column({ name: 'lesson_id', type: 'integer', nullable: true }) lessonId: number | null;
  @Column({ name: 'original_name', type: 'varchar', length: 255 }) originalName: string;
  @Column({ name: 'storage_key', type: 'varchar', length: 64 }) storageKey: string;
  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintNumber }) sizeBytes: number;
  @Column({ name: 'content_type', type: 'varchar', length: 127 }) contentType: string;
  @Column({ type: 'varchar', length: 64 }) sha256: string;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
