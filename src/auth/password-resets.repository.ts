import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { sqlDate } from '../database/sql-date';
import { PasswordLinkKind, PasswordReset } from './entities/password-reset.entity';

@Injectable()
export class PasswordResetsRepository {
  async insert(m: EntityManager, data: Pick<PasswordReset, 'tokenHash' | 'userId' | 'expiresAt'> & { kind?: PasswordLinkKind }): Promise<void> {
    await m.insert(PasswordReset, { ...data, kind: data.kind ?? 'reset', createdAt: new Date(), usedAt: null });
  }

  findUsable(m: EntityManager, tokenHash: string, now: Date): Promise<PasswordReset | null> {
    return m
      .createQueryBuilder(PasswordReset, 'r')
      .where('r.token_hash = :tokenHash AND r.used_at IS NULL AND r.expires_at > :now', { tokenHash, now: sqlDate(now) })
      .getOne();
  }

  /** Marks this token used; returns false if another request used it first. */
  async consume(m: EntityManager, id: number, at: Date): Promise<boolean> {
    const res = await m.update(PasswordReset, { id, usedAt: IsNull() }, { usedAt: at });
    return (res.affected ?? 0) === 1;
  }

  /** A new password makes every outstanding link for the account useless; a new welcome link, the earlier welcome links. */
  async invalidateForUser(m: EntityManager, userId: number, at: Date, kind?: PasswordLinkKind): Promise<number> {
    const res = await m.update(PasswordReset, { userId, usedAt: IsNull(), ...(kind ? { kind } : {}) }, { usedAt: at });
    return res.affected ?? 0;
  }
}
