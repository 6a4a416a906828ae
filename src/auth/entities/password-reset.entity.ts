import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** `reset`: asked for on the forgot-password page; `welcome`: sent to a client whose account staff or a purchase created. */
export type PasswordLinkKind = 'reset' | 'welcome';

@Entity('password_resets')
export class PasswordReset {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  @Column({ type: 'varchar', length: 16, default: 'reset' })
  kind: PasswordLinkKind;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'datetime' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'datetime', nullable: true })
  usedAt: Date | null;
}
