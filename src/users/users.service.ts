import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { isTimeZone } from '../config/config';
import { Role, User } from './entities/user.entity';
import { UsersRepository } from './users.repository';

export interface UserView {
  id: number;
  email: string;
  name: string;
  role: Role;
  locale: string | null;
  isStaff: boolean;
  createdAt: Date;
}

export function toUserView(u: User): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    locale: u.locale,
    isStaff: u.role !== 'client',
    createdAt: u.createdAt,
  };
}

export const MIN_PASSWORD_LENGTH = 10;

/** OWASP's argon2id baseline (19 MiB, t=2, p=1) is the floor; these are a little above it. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class UsersService {
  constructor(private readonly users: UsersRepository) {}

  hashPassword(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verifyPassword(user: User | null, password: string): Promise<boolean> {
    if (!user?.passwordHash) {
      // Same work whether or not the account exists, so timing does not reveal which emails are registered.
      await argon2.hash(password, ARGON2_OPTIONS);
      return false;
    }
    try {
      return await argon2.verify(user.passwordHash, password);
    } catch {
      return false;
    }
  }

  validatePassword(password: string, field = 'password'): Record<string, string> {
    if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) return { [field]: 'errors.password_too_short' };
    if (password.length > 1024) return { [field]: 'errors.password_too_long' };
    return {};
  }

  async create(
    m: EntityManager,
    input: { email: string; name?: string; role: Role; password?: string | null; locale?: string | null },
  ): Promise<User> {
    if (await this.users.findByEmail(input.email, m)) {
      throw new AppError('conflict', 'users.email_taken', 'errors.email_taken', { email: 'errors.email_taken' });
    }
    return this.users.insert(m, {
      email: input.email,
      name: input.name?.trim() ?? '',
      role: input.role,
      passwordHash: input.password ? await this.hashPassword(input.password) : null,
      locale: (input.locale as User['locale']) ?? null,
    });
  }

  /** The zone this person reads dates in; '' = the site zone. Anything but a zone the runtime knows is refused. */
  async setTimeZone(userId: number, raw: unknown): Promise<void> {
    const zone = typeof raw === 'string' ? raw.trim() : '';
    if (zone && !isTimeZone(zone)) throw AppError.validation({ timeZone: 'time.errors.zone' });
    await this.users.setTimeZone(userId, zone || null);
  }
}
