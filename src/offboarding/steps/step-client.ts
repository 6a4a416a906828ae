import { EntityManager } from 'typeorm';
import { AppError } from '../../common/errors/app-error';
import type { Locale } from '../../config/config';
import { User } from '../../users/entities/user.entity';
import { UsersRepository } from '../../users/users.repository';

/** The client a case is about, as the steps read it. */
export interface StepClient {
  id: number;
  name: string;
  email: string;
  locale: Locale;
  disabled: boolean;
}

export async function loadClient(users: UsersRepository, clientId: number, defaultLocale: Locale, m?: EntityManager): Promise<StepClient> {
  const u: User | null = await users.findById(clientId, m);
  // Staff are never offboarded (a ban would refuse them anyway): a case about one is a case about no client.
  if (!u || u.role !== 'client') throw AppError.notFound('client');
  return { id: u.id, name: u.name, email: u.email, locale: u.locale ?? defaultLocale, disabled: u.disabledAt !== null };
}

/** The idempotency key of one refund of a case; the same on every resume, fresh for a later case. */
export function refundKey(caseId: number, orderId: number): string {
  return `offboarding:${caseId}:${orderId}`;
}

export function errorText(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).slice(0, 2000);
}
