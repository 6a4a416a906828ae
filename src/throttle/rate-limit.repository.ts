import { Injectable } from '@nestjs/common';
import { Database, isUniqueViolation } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { RateLimit } from './rate-limit.entity';

@Injectable()
export class RateLimitRepository {
  constructor(private readonly db: Database) {}

  /**
   * Adds one hit, opening a new window if the old one has ended, and returns the bucket as this hit left it:
   * the update and the read share a transaction (the row stays locked in between), so parallel hits each see
   * their own count.
   */
  async hit(bucket: string, now: Date, windowMs: number): Promise<RateLimit> {
    const windowEnd = new Date(now.getTime() + windowMs);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return await this.db.transaction(
          async (m) => {
            const res = await m
              .createQueryBuilder()
              .update(RateLimit)
              .set({
                hits: () => `CASE WHEN window_ends_at <= :now THEN 1 ELSE hits + 1 END`,
                windowEndsAt: () => `CASE WHEN window_ends_at <= :now THEN :end ELSE window_ends_at END`,
              })
              .where('bucket = :bucket', { bucket })
              .setParameters({ now: sqlDate(now), end: sqlDate(windowEnd) })
              .execute();
            if (res.affected) return (await m.findOneBy(RateLimit, { bucket }))!;
            await m.insert(RateLimit, { bucket, hits: 1, windowEndsAt: windowEnd });
            return { bucket, hits: 1, windowEndsAt: windowEnd };
          },
          // READ COMMITTED: no gap lock on a bucket not there yet, so two first hits race on the unique key
          // (one waits, then gets a duplicate and updates) instead of deadlocking.
          { isolation: 'READ COMMITTED', retries: 3 },
        );
      } catch (e) {
        if (!isUniqueViolation(e)) throw e; // another request created it: update again
      }
    }
    throw new Error(`rate limit bucket ${bucket} could not be updated`);
  }

  /** Takes one hit back (never below zero). Like every write here it stands on its own (`Database.write`). */
  async unhit(bucket: string): Promise<void> {
    await this.db.write((m) =>
      m
        .createQueryBuilder()
        .update(RateLimit)
        .set({ hits: () => 'hits - 1' })
        .where('bucket = :bucket AND hits > 0', { bucket })
        .execute(),
    );
  }

  async clear(bucket: string): Promise<void> {
    await this.db.write((m) => m.delete(RateLimit, { bucket }));
  }

  async deleteExpired(now: Date): Promise<void> {
    await this.db.write((m) =>
      m
        .createQueryBuilder()
        .delete()
        .from(RateLimit)
        .where('window_ends_at <= :now', { now: sqlDate(now) })
        .execute(),
    );
  }
}
