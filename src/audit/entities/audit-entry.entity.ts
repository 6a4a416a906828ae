import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('audit_log')
export class AuditEntry {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'actor_user_id', type: 'integer', nullable: true })
  actorUserId: number | null;

  /** Human-readable actor kept even if the user is later removed: an email, `api-key:NAME` or `system`. */
  @Column({ name: 'actor_label', type: 'varchar', length: 254 })
  actorLabel: string;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'subject_type', type: 'varchar', length: 32, nullable: true })
  subjectType: string | null;

  @Column({ name: 'subject_id', type: 'varchar', length: 64, nullable: true })
  subjectId: string | null;

  /** JSON `{before, after, ...}` summary; never secrets. */
  @Column({ type: 'text' })
  summary: string;

  @Column({ type: 'varchar', length: 45, default: '' })
  ip: string;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;
}
