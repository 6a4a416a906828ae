import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { SiteSetting } from './entities/site-setting.entity';

@Injectable()
export class SettingsRepository {
  constructor(private readonly db: Database) {}

  all(): Promise<SiteSetting[]> {
    return this.db.manager.find(SiteSetting);
  }

  /** Insert or replace each row, in the caller's transaction. */
  async put(m: EntityManager, values: Record<string, string>, now: Date): Promise<void> {
    const rows = Object.entries(values).map(([name, value]) => ({ name, value, updatedAt: now }));
    if (rows.length) await m.upsert(SiteSetting, rows, ['name']);
  }
}
