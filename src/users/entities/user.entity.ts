import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Locale } from '../../config/config';

export const ROLES = ['owner', 'admin', 'staff', 'client'] as const;
export type Role = (typeof ROLES)[number];
export const STAFF_ROLES: readonly Role[] = ['owner', 'admin', 'staff'];

@Entity('users')
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  /** Stored trimmed and lower-cased, so uniqueness is case-insensitive on every engine. */
  @Column({ type: 'varchar', length: 254 })
  email: string;

  /** The identity behind the address (src/bans/email-key.ts), kept in step with `email` by UsersRepository; for bans. */
  @Column({ name: 'email_key', type: 'varchar', length: 254, nullable: true })
  emailKey: string | null;

  @Column({ type: 'varchar', length: 200, default: '' })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash: string | null;

  @Column({ type: 'varchar', length: 5, nullable: true })
  locale: Locale | null;

  /** IANA zone the person reads and enters dates in; null = the site zone (Admin → Settings). */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, nullable: true })
  timeZone: string | null;

  @Column({ name: 'disabled_at', type: 'datetime', nullable: true })
  disabledAt: Date | null;

  @Column({ name: 'created_at', type: 'datetime' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;
}
