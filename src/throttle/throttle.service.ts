import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { RateLimitRepository } from './rate-limit.repository';

export interface Limit {
  bucket: string;
  max: number;
  windowMs: number;
}

/**
 * Counts attempts per bucket in the database, so limits survive restarts and are shared by all instances.
 * Used for login, password reset and (later) key redemption and public forms.
 */
@Injectable()
export class ThrottleService {
  constructor(private readonly limits: RateLimitRepository) {}

  /**
   * Counts this attempt in every bucket, then throws `rate_limited` (with the retry time) if any went over its
   * max. Counting first makes the check atomic: parallel attempts cannot all pass the check before any of them
   * is counted, so at most `max` attempts per window get through.
   */
  async take(limits: Limit[], now = new Date()): Promise<void> {
    let retryAfterMs = 0;
    for (const l of limits) {
      const row = await this.limits.hit(l.bucket, now, l.windowMs);
      if (row.hits > l.max) retryAfterMs = Math.max(retryAfterMs, row.windowEndsAt.getTime() - now.getTime(), 1000);
    }
    if (retryAfterMs > 0) throw AppError.rateLimited(Math.ceil(retryAfterMs / 1000));
  }

  /** Takes back an attempt `take` counted: for limits on failures, once the attempt has succeeded. */
  async giveBack(limits: Limit[]): Promise<void> {
    for (const l of limits) await this.limits.unhit(l.bucket);
  }

  async reset(bucket: string): Promise<void> {
    await this.limits.clear(bucket);
  }
}
