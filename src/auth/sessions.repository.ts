import { Injectable } from '@nestjs/common';
import { EntityManager, Not } from 'typeorm';
import { Database } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { User } from '../users/entities/user.entity';
import { Session } from './entities/session.entity';

@Injectable()
export class SessionsRepository {
  constructor(private readonly db: Database) {}

  insert(m: EntityManager, data: Omit<Session, 'id'>): Promise<Session> {
    return m.save(Session, m.create(Session, data));
  }

  /** The session and its user in one query: this runs on every logged-in request. */
  async findWithUser(tokenHash: string): Promise<{ session: Session; user: User } | null> {
    const row = await this.db.manager
      .createQueryBuilder(Session, 's')
      .innerJoinAndMapOne('s.user', User, 'u', 'u.id = s.user_id')
      .where('s.token_hash = :tokenHash', { tokenHash })
      .getOne();
    if (!row) return null;
    const { user, ...session } = row as Session & { user: User };
    return { session: session as Session, user };
  }

  async touch(id: number, at: Date, expiresAt: Date): Promise<void> {
    await this.db.manager.update(Session, { id }, { lastSeenAt: at, expiresAt });
  }

  listForUser(userId: number): Promise<Session[]> {
    return this.db.manager.find(Session, { where: { userId }, order: { lastSeenAt: 'DESC' } });
  }

  async deleteById(m: EntityManager, id: number): Promise<void> {
    await m.delete(Session, { id });
  }

  /** Returns how many sessions ended. `exceptId` keeps the caller's own session. */
  async deleteForUser(m: EntityManager, userId: number, exceptId?: number): Promise<number> {
    const res = await m.delete(Session, exceptId ? { userId, id: Not(exceptId) } : { userId });
    return res.affected ?? 0;
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.db.manager.createQueryBuilder().delete().from(Session).where('expires_at <= :now', { now: sqlDate(now) }).execute();
  }
}
