import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** What a site file is for; the logo is the only kind so far. */
export type SiteFileKind = 'logo';

/**
 * A file of the site itself (not of a product): the logo. The bytes live under FILES_DIR/<storage_key>, outside
 * the web root, like lesson files; the type was sniffed from the bytes when it was uploaded.
 */
@Entity('site_files')
export class SiteFile {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 16 }) kind: SiteFileKind;
  @Column({ name: 'storage_key', type: 'varchar', length: 64 }) storageKey: string;
  @Column({ name: 'content_type', type: 'varchar', length: 127 }) contentType: string;
  @Column({ name: 'size_bytes', type: 'integer' }) sizeBytes: number;
  @Column({ type: 'varchar', length: 64 }) sha256: string;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
}
