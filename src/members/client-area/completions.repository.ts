import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { HotQuery } from '../../database/hot-query';
import { dbDate, dbDateOrNull } from '../../database/raw';
import { LessonCompletion } from './entities/lesson-completion.entity';

/** Per product: lessons that exist now, how many of them the client has done, and the last time they did one. */
export interface ProductProgressRow {
  productId: number;
  total: number;
  done: number;
  lastCompletedAt: Date | null;
}

/**
 * The clients' "done" marks on lessons. Every count goes through the lessons table, and a completion goes with
 * its lesson (ON DELETE CASCADE), so progress only ever counts lessons that exist.
 */
@Injectable()
export class CompletionsRepository {
  private readonly hot: HotQuery;

  constructor(private readonly db: Database) {
    this.hot = new HotQuery(db);
  }

  /** Lesson id → when the client marked it done, for one product (read on every lesson page). */
  async forProduct(clientId: number, productId: number): Promise<Map<number, Date>> {
    const rows = await this.hot.all(
      `SELECT c.lesson_id, c.completed_at FROM lesson_completions c INNER JOIN lessons l ON l.id = c.lesson_id
        WHERE c.client_id = ? AND l.product_id = ?`,
      [clientId, productId],
    );
    return new Map(rows.map((r) => [Number(r.lesson_id), dbDate(r.completed_at)]));
  }

  /** Lesson id → when, for every lesson the client has marked done. */
  async forClient(clientId: number): Promise<Map<number, Date>> {
    const rows: Record<string, unknown>[] = await this.db.manager.query('SELECT lesson_id, completed_at FROM lesson_completions WHERE client_id = ?', [clientId]);
    return new Map(rows.map((r) => [Number(r.lesson_id), dbDate(r.completed_at)]));
  }

  /** One row per product that has lessons (a product without any is absent: 0 of 0). */
  async summary(clientId: number, productIds: number[]): Promise<ProductProgressRow[]> {
    if (!productIds.length) return [];
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT l.product_id, COUNT(*) AS total, COUNT(c.id) AS done, MAX(c.completed_at) AS last_at
         FROM lessons l LEFT JOIN lesson_completions c ON c.lesson_id = l.id AND c.client_id = ?
        WHERE l.product_id IN (${productIds.map(() => '?').join(', ')})
        GROUP BY l.product_id`,
      [clientId, ...productIds],
    );
    return rows.map((r) => ({ productId: Number(r.product_id), total: Number(r.total), done: Number(r.done), lastCompletedAt: dbDateOrNull(r.last_at) }));
  }

  find(m: EntityManager, clientId: number, lessonId: number): Promise<LessonCompletion | null> {
    return m.findOneBy(LessonCompletion, { clientId, lessonId });
  }

  insert(m: EntityManager, clientId: number, lessonId: number, at: Date): Promise<LessonCompletion> {
    return m.save(LessonCompletion, m.create(LessonCompletion, { clientId, lessonId, completedAt: at }));
  }

  async remove(m: EntityManager, clientId: number, lessonId: number): Promise<void> {
    await m.delete(LessonCompletion, { clientId, lessonId });
  }
}
