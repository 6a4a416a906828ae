import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const OPT_IN_MODES = ['single', 'double'] as const;
export type OptInMode = (typeof OPT_IN_MODES)[number];

@Entity('mailing_lists')
export class MailingList {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 200 }) name: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ name: 'list_key', type: 'varchar', length: 64 }) listKey: string;
  @Column({ name: 'is_public', type: 'boolean' }) isPublic: boolean;
  @Column({ name: 'opt_in', type: 'varchar', length: 8 }) optIn: OptInMode;
  @Column({ name: 'archived_at', type: 'datetime', nullable: true }) archivedAt: Date | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}
