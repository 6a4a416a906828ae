import { Injectable, Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Database, isUniqueViolation } from './database.service';
import { sqlDate } from './sql-date';
import { JobLease } from './entities/job-lease.entity';

/**
 * Scheduled jobs call `runOncePerTick`: the first instance to claim the lease row for a tick runs the job,
 * every other instance skips it. The lease also expires, so a crashed holder does not block the job forever.
 */
@Injectable()
export class LeaseService {
  private readonly logger = new Logger('Scheduler');
  readonly holder = `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;

  constructor(private readonly db: Database) {}

  async tryAcquire(name: string, tick: number, ttlMs: number, now = new Date()): Promise<boolean> {
    const until = new Date(now.getTime() + ttlMs);
    const res = await this.db.write((m) =>
      m
        .createQueryBuilder()
        .update(JobLease)
        .set({ holder: this.holder, lastTick: String(tick), lockedUntil: until })
        .where('name = :name AND last_tick < :tick AND locked_until <= :now', { name, tick, now: sqlDate(now) })
        .execute(),
    );
    if (res.affected) return true;
    const exists = await this.db.manager.existsBy(JobLease, { name });
    if (exists) return false;
    try {
      await this.db.write((m) => m.insert(JobLease, { name, holder: this.holder, lastTick: String(tick), lockedUntil: until }));
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async release(name: string): Promise<void> {
    await this.db.write((m) =>
      m.createQueryBuilder().update(JobLease).set({ lockedUntil: new Date() }).where('name = :name AND holder = :holder', { name, holder: this.holder }).execute(),
    );
  }

  /**
   * Makes the transaction `m` wait for every other transaction that called this with the same `name`, until it
   * ends: a "check, then create" (the first owner) cannot run twice at once. On MySQL it is a lock on one
   * existing row of job_leases, which takes no gap lock, so the racers queue instead of deadlocking as locking
   * reads of a row that does not exist yet do; on SQLite every transaction already runs alone.
   */
  async serialize(m: EntityManager, name: string): Promise<void> {
    if (!this.db.isMysql) return;
    const row = `lock:${name}`;
    if (!(await this.db.manager.existsBy(JobLease, { name: row }))) {
      try {
        await this.db.write((w) => w.insert(JobLease, { name: row, holder: '', lastTick: '0', lockedUntil: new Date(0) }));
      } catch (e) {
        if (!isUniqueViolation(e)) throw e;
      }
    }
    await m.createQueryBuilder(JobLease, 'l').select('l.name').where('l.name = :row', { row }).setLock('pessimistic_write').getRawOne();
  }

  /** Runs `job` if this instance wins the tick `floor(now / intervalMs)`. Returns whether it ran. */
  async runOncePerTick(name: string, intervalMs: number, job: () => Promise<void>, now = new Date()): Promise<boolean> {
    const tick = Math.floor(now.getTime() / intervalMs);
    const ttl = Math.max(intervalMs * 5, 60_000);
    if (!(await this.tryAcquire(name, tick, ttl, now))) return false;
    try {
      await job();
    } catch (e) {
      this.logger.error(`job ${name} failed: ${(e as Error).stack ?? e}`);
    } finally {
      await this.release(name).catch(() => undefined);
    }
    return true;
  }
}
