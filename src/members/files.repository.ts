import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { StoredFile } from './entities/stored-file.entity';

@Injectable()
export class FilesRepository {
  constructor(private readonly db: Database) {}

  findById(id: number): Promise<StoredFile | null> {
    return this.db.manager.findOneBy(StoredFile, { id });
  }

  listForLesson(lessonId: number): Promise<StoredFile[]> {
    return this.db.manager.find(StoredFile, { where: { lessonId }, order: { id: 'ASC' } });
  }

  insert(m: EntityManager, data: Omit<StoredFile, 'id' | 'createdAt'>): Promise<StoredFile> {
    return m.save(StoredFile, m.create(StoredFile, { ...data, createdAt: new Date() }));
  }
}
