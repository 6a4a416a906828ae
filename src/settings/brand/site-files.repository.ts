import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { SiteFile, SiteFileKind } from './entities/site-file.entity';

@Injectable()
export class SiteFilesRepository {
  constructor(private readonly db: Database) {}

  findOne(kind: SiteFileKind, id: number): Promise<SiteFile | null> {
    return this.db.manager.findOneBy(SiteFile, { kind, id });
  }

  insert(m: EntityManager, data: Omit<SiteFile, 'id' | 'createdAt'>): Promise<SiteFile> {
    return m.save(SiteFile, m.create(SiteFile, { ...data, createdAt: new Date() }));
  }

  async remove(m: EntityManager, id: number): Promise<void> {
    await m.delete(SiteFile, { id });
  }
}
