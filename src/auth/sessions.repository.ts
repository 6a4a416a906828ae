import { Injectable } from '@nestjs/common';
import { EntityManager, Not } from 'typeorm';
import { Database } from '../database/database.service';
import { HotQuery } from '../database/hot-query';
import { dbDate, dbDateOrNull } from '../database/raw';
import { sqlDate } from '../database/sql-date';
import { User } from '../users/entities/user.entity';
import { Session } from './entities/session.entity';

@Injectable()
export class SessionsRepository {
  private readonly hot: HotQuery;

  constructor(private readonly db: Database) {
    this.hot = new HotQuery(db);
  }

  insert(m: EntityManager, data: Omit<Session, 'id'>): Promise<Session> {
    return m.save(Session, m.create(Session, data));
  }

  /** The session and its user in one query: this runs on every logged-in request, hence plain SQL. */
  async findWithUser(tokenHash: string): Promise<{ session: Session; user: User } | null> {
    const rows = await this.hot.all(
      `SELECT s.id AS s_id, s.user_id, s.ip, s.user_agent, s.created_at AS s_created, s.last_seen_at, s.expires_at,
              u.email, u.email_key, u.name, u.role, u.password_hash, u.locale, u.time_zone, u.disabled_at, u.created_at AS u_created, u.updated_at AS u_updated
         FROM sessions s INNER JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = ?`,
      [tokenHash],
    );
    const r = rows[0];
    if (!r) return null;
    const session: Session = {
      id: Number(r.s_id),
      tokenHash,
      userId: Number(r.user_id),
      ip: String(r.ip),
      userAgent: String(r.user_agent),
      createdAt: dbDate(r.s_created),
      lastSeenAt: dbDate(r.last_seen_at),
      expiresAt: dbDate(r.expires_at),
    };
    const user: User = {
      id: session.userId,
      email: String(r.email),
      emailKey: (r.email_key as string | null) ?? null,
      name: String(r.name),
      role: r.role as User['role'],
      passwordHash: (r.password_hash as string | null) ?? null,
      locale: (r.locale as User['locale']) ?? null,
      timeZone: (r.time_zone as string | null) ?? null,
      disabledAt: dbDateOrNull(r.disabled_at),
      createdAt: dbDate(r.u_created),
      updatedAt: dbDate(r.u_updated),
    };
    return { session, user };
  }

  async touch(id: number, at: Date, expiresAt: Date): Promise<void> {
    await this.db.write((m) => m.update(Session, { id }, { lastSeenAt: at, expiresAt }));
  }

  listForUser(userId: number): Promise<Session[]> {
    return this.db.manager.find(Session, { where: { userId }, order: { lastSeenAt: 'DESC' } });
  }

  /** Sessions of the account that would still let it in (not expired). */
  async countLiveForUser(userId: number, now: Date, m: EntityManager = this.db.manager): Promise<number> {
    return m.createQueryBuilder(Session, 's').where('s.user_id = :userId AND s.expires_at > :now', { userId, now: sqlDate(now) }).getCount();
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
    await this.db.write((m) => m.createQueryBuilder().delete().from(Session).where('expires_at <= :now', { now: sqlDate(now) }).execute());
  }
}
