import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { HotQuery } from '../../database/hot-query';
import { dbDate } from '../../database/raw';
import { StoredFile } from './entities/stored-file.entity';

@Injectable()
export class FilesRepository {
  private readonly hot: HotQuery;

  constructor(private readonly db: Database) {
    this.hot = new HotQuery(db);
  }

  findById(id: number): Promise<StoredFile | null> {
    return this.db.manager.findOneBy(StoredFile, { id });
  }

  /** Plain SQL: the lesson page lists its files on every view. */
  async listForLesson(lessonId: number): Promise<StoredFile[]> {
    const rows = await this.hot.all(
      `SELECT id, product_id, lesson_id, original_name, storage_key, size_bytes, content_type, sha256, created_by, created_at
         FROM files WHERE lesson_id = ? ORDER BY id ASC`,
      [lessonId],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      productId: Number(r.product_id),
      lessonId: Number(r.lesson_id),
      originalName: String(r.original_name),
      storageKey: String(r.storage_key),
      sizeBytes: Number(r.size_bytes),
      contentType: String(r.content_type),
      sha256: String(r.sha256),
      createdBy: r.created_by === null ? null : Number(r.created_by),
      createdAt: dbDate(r.created_at),
    }));
  }

  insert(m: EntityManager, data: Omit<StoredFile, 'id' | 'createdAt'>): Promise<StoredFile> {
    return m.save(StoredFile, m.create(StoredFile, { ...data, createdAt: new Date() }));
  }
}
