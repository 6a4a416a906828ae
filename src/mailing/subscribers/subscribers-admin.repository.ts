import { Injectable } from '@nestjs/common';
import { In, SelectQueryBuilder } from 'typeorm';
import { Database } from '../../database/database.service';
import { User } from '../../users/entities/user.entity';
import { Subscriber } from './entities/subscriber.entity';
import { SubscriptionStatus } from './entities/subscription.entity';

/** The admin's subscriber filter; also what an export of a search result takes. */
export interface SubscriberFilter {
  /** Part of the email or name; `%` and `_` are matched literally. */
  q?: string;
  /** Exact email (the API's `?email=`). */
  email?: string;
  listId?: number;
  /** With a list: the status on that list; without: on any list. */
  status?: SubscriptionStatus;
  suppressed?: boolean;
}

const likeEscape = (s: string) => s.replace(/[!%_]/g, (c) => `!${c}`);

/** Queries of the subscribers' admin, the API and the CSV export: one filter, paged or walked by id. */
@Injectable()
export class SubscribersAdminRepository {
  constructor(private readonly db: Database) {}

  private filtered(f: SubscriberFilter): SelectQueryBuilder<Subscriber> {
    const qb = this.db.manager.createQueryBuilder(Subscriber, 's');
    if (f.q) qb.andWhere("(s.email LIKE :q ESCAPE '!' OR s.name LIKE :q ESCAPE '!')", { q: `%${likeEscape(f.q.trim().toLowerCase())}%` });
    if (f.email) qb.andWhere('s.email = :email', { email: f.email.trim().toLowerCase() });
    if (f.suppressed === true) qb.andWhere('s.suppressed_reason IS NOT NULL');
    if (f.suppressed === false) qb.andWhere('s.suppressed_reason IS NULL');
    if (f.listId || f.status) {
      const conds = ['x.subscriber_id = s.id', ...(f.listId ? ['x.list_id = :listId'] : []), ...(f.status ? ['x.status = :status'] : [])];
      qb.andWhere(`EXISTS (SELECT 1 FROM subscriptions x WHERE ${conds.join(' AND ')})`, { listId: f.listId, status: f.status });
    }
    return qb;
  }

  search(f: SubscriberFilter, page: { limit: number; offset: number }): Promise<[Subscriber[], number]> {
    return this.filtered(f).orderBy('s.id', 'DESC').take(page.limit).skip(page.offset).getManyAndCount();
  }

  /** The next `limit` matching subscribers after `afterId`, by id: an export walks the whole set this way. */
  batchAfter(f: SubscriberFilter, afterId: number, limit: number): Promise<Subscriber[]> {
    return this.filtered(f).andWhere('s.id > :afterId', { afterId }).orderBy('s.id', 'ASC').take(limit).getMany();
  }

  /** Emails of the staff named in a consent history. */
  async userEmails(ids: number[]): Promise<Map<number, string>> {
    if (!ids.length) return new Map();
    const users = await this.db.manager.find(User, { where: { id: In([...new Set(ids)]) }, select: { id: true, email: true } });
    return new Map(users.map((u) => [u.id, u.email]));
  }
}
