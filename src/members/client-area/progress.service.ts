import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { Database, isUniqueViolation } from '../../database/database.service';
import { AccessService, isLessonOpen } from '../access/access.service';
import { GrantsRepository } from '../access/grants.repository';
import { LessonsRepository } from '../catalogue/lessons.repository';
import { ProductsRepository } from '../catalogue/products.repository';
import { CompletionsRepository } from './completions.repository';

/** A client's progress in one product, as the admin's client page shows it. */
export interface ClientProgressView {
  productId: number;
  title: string;
  done: number;
  total: number;
  /** 0–100, rounded down (so 100 means every lesson). */
  percent: number;
  lastCompletedAt: Date | null;
}

export const percentOf = (done: number, total: number): number => (total > 0 ? Math.floor((done * 100) / total) : 0);

/**
 * "Mark as complete" and the progress it makes. A client completes only a lesson they can open now (the same
 * access check as reading it); marking twice keeps the first time, and undoing is "mark as not complete".
 */
@Injectable()
export class ProgressService {
  constructor(
    private readonly db: Database,
    private readonly access: AccessService,
    private readonly lessons: LessonsRepository,
    private readonly grants: GrantsRepository,
    private readonly products: ProductsRepository,
    private readonly completions: CompletionsRepository,
  ) {}

  /** Another client's lesson, or one of a product they lack, is a 404; a lesson still locked by drip is a 409. */
  async complete(clientId: number, lessonId: number, now = new Date()): Promise<void> {
    const l = await this.lessons.findLesson(lessonId);
    if (!l) throw AppError.notFound('lesson');
    const g = await this.access.requireGrant(clientId, l.productId, now);
    if (!isLessonOpen(l, g, now)) throw new AppError('conflict', 'player.lesson_locked', 'player.lesson_locked');
    try {
      await this.db.transaction(async (m) => {
        if (!(await this.completions.find(m, clientId, lessonId))) await this.completions.insert(m, clientId, lessonId, now);
      });
    } catch (e) {
      // Two clicks at once on MySQL: both saw no row, the unique key let one in. Done either way.
      if (!isUniqueViolation(e)) throw e;
    }
  }

  async uncomplete(clientId: number, lessonId: number, now = new Date()): Promise<void> {
    const l = await this.lessons.findLesson(lessonId);
    if (!l) throw AppError.notFound('lesson');
    await this.access.requireGrant(clientId, l.productId, now);
    await this.db.write((m) => this.completions.remove(m, clientId, lessonId));
  }

  /** Every product the client was ever granted (running or not), by title: lessons done of those that exist now. */
  async forClient(clientId: number): Promise<ClientProgressView[]> {
    const ids = [...new Set((await this.grants.listForClient(clientId)).map((g) => g.productId))];
    const [products, rows] = await Promise.all([this.products.findByIds(ids), this.completions.summary(clientId, ids)]);
    const byProduct = new Map(rows.map((r) => [r.productId, r]));
    return products
      .map((p) => {
        const r = byProduct.get(p.id);
        const done = r?.done ?? 0;
        const total = r?.total ?? 0;
        return { productId: p.id, title: p.title, done, total, percent: percentOf(done, total), lastCompletedAt: r?.lastCompletedAt ?? null };
      })
      .sort((a, b) => a.title.localeCompare(b.title));
  }
}
