import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('job_leases')
export class JobLease {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 64, default: '' })
  holder: string;

  /** The last tick this job ran for: the same tick never runs twice, whichever instance wakes first. */
  @Column({ name: 'last_tick', type: 'bigint', default: 0 })
  lastTick: string;

  @Column({ name: 'locked_until', type: 'datetime' })
  lockedUntil: Date;
}
