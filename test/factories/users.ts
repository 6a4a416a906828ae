import { randomBytes } from 'node:crypto';
import { Role, User } from '../../src/users/entities/user.entity';
import { UsersService } from '../../src/users/users.service';
import type { TestHost } from '../utils/test-host';

export const DEFAULT_PASSWORD = 'correct horse battery';

export interface UserOverrides {
  email?: string;
  name?: string;
  role?: Role;
  password?: string | null;
  locale?: 'ru' | 'en' | null;
}

/** Creates a user through the real service (argon2id hash and all). */
export async function createUser(t: TestHost, o: UserOverrides = {}): Promise<User & { password: string }> {
  const password = o.password === undefined ? DEFAULT_PASSWORD : o.password;
  const role = o.role ?? 'client';
  const user = await t.db.transaction((m) =>
    t.app.get(UsersService).create(m, {
      email: o.email ?? `${role}-${randomBytes(4).toString('hex')}@example.com`,
      name: o.name ?? `Test ${role}`,
      role,
      password,
      locale: o.locale ?? null,
    }),
  );
  return Object.assign(user, { password: password ?? '' });
}
