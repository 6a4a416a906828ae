import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One fixed window per key (e.g. `login:ip:203.0.113.9`), shared by every instance through the database. */
@Entity('rate_limits')
export class RateLimit {
  @PrimaryColumn({ name: 'bucket', type: 'varchar', length: 191 })
  bucket: string;

  @Column({ type: 'integer' })
  hits: number;

  @Column({ name: 'window_ends_at', type: 'datetime' })
  windowEndsAt: Date;
}
