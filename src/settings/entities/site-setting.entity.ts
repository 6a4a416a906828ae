import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per setting the owner changed; a setting without a row has its default (see site-settings.ts). */
@Entity('site_settings')
export class SiteSetting {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'text' })
  value: string;

  @Column({ name: 'updated_at', type: 'datetime' })
  updatedAt: Date;
}
