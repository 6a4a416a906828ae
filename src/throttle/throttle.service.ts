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

  /** Throws `rate_limited` (with the retry time) if any of the buckets is already full. */
  async assertAllowed(limits: Limit[], now = new Date()): Promise<void> {
    let retryAfterMs = 0;
    for (const l of limits) {
      const row = await this.limits.find(l.bucket);
      if (row && row.windowEndsAt > now && row.hits >= l.max) {
        retryAfterMs = Math.max(retryAfterMs, row.windowEndsAt.getTime() - now.getTime());
      }
    }
    if (retryAfterMs > 0) throw AppError.rateLimited(Math.ceil(retryAfterMs / 1000));
  }

  async record(limits: Limit[], now = new Date()): Promise<void> {
    for (const l of limits) await this.limits.hit(l.bucket, now, l.windowMs);
  }

  /** Counts the attempt and throws if it went over: for actions limited whether they succeed or not. */
  async consume(limits: Limit[], now = new Date()): Promise<void> {
    await this.assertAllowed(limits, now);
    await this.record(limits, now);
  }

  async reset(bucket: string): Promise<void> {
    await this.limits.clear(bucket);
  }
}
