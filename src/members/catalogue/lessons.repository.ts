import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { HotQuery } from '../../database/hot-query';
import { dbDate, dbDateOrNull } from '../../database/raw';
import { sqlDate } from '../../database/sql-date';
import { Lesson } from './entities/lesson.entity';
import { ProductStatus } from './entities/product.entity';
import { Section } from './entities/section.entity';

export type LessonData = Pick<Lesson, 'productId' | 'sectionId' | 'title' | 'bodyMd' | 'bodyHtml' | 'position' | 'dripDays' | 'dripDate'>;
/** A lesson without its body: what tables of contents and progress counts need. */
export type LessonOutline = Pick<Lesson, 'id' | 'productId' | 'sectionId' | 'title' | 'position' | 'dripDays' | 'dripDate'>;

const OUTLINE_COLUMNS = 'id, product_id, section_id, title, position, drip_days, drip_date';

/** A lesson as a client reads it, with its product and the version of that product's outline. */
export interface LessonForReading {
  id: number;
  productId: number;
  title: string;
  bodyHtml: string;
  dripDays: number | null;
  dripDate: Date | null;
  product: { id: number; slug: string; title: string; status: ProductStatus };
  /**
   * Changes whenever the product's sections or lessons may have changed: the product's `updated_at` (every
   * catalogue write bumps it), plus the count and newest `updated_at` of its lessons, which also catch rows
   * written around the repository (imports, test factories).
   */
  outlineVersion: string;
}

/** Sections and lessons of products. The client-facing reads are plain SQL: they run on every lesson page. */
@Injectable()
export class LessonsRepository {
  private readonly hot: HotQuery;

  constructor(private readonly db: Database) {
    this.hot = new HotQuery(db);
  }

  findLesson(id: number, m: EntityManager = this.db.manager): Promise<Lesson | null> {
    return m.findOneBy(Lesson, { id });
  }

  async findForReading(id: number): Promise<LessonForReading | null> {
    const rows = await this.hot.all(
      `SELECT l.id, l.product_id, l.title, l.body_html, l.drip_days, l.drip_date,
              p.slug, p.title AS product_title, p.status, p.updated_at AS product_updated,
              (SELECT COUNT(*) FROM lessons c WHERE c.product_id = l.product_id) AS lesson_count,
              (SELECT MAX(c.updated_at) FROM lessons c WHERE c.product_id = l.product_id) AS lessons_updated
         FROM lessons l INNER JOIN products p ON p.id = l.product_id
        WHERE l.id = ?`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    const productId = Number(r.product_id);
    return {
      id: Number(r.id),
      productId,
      title: String(r.title),
      bodyHtml: String(r.body_html),
      dripDays: r.drip_days === null ? null : Number(r.drip_days),
      dripDate: dbDateOrNull(r.drip_date),
      product: { id: productId, slug: String(r.slug), title: String(r.product_title), status: r.status as ProductStatus },
      outlineVersion: `${dbDate(r.product_updated).getTime()}/${Number(r.lesson_count)}/${r.lessons_updated === null ? 0 : dbDate(r.lessons_updated).getTime()}`,
    };
  }

  /** Lessons of products in reading order within each product (position, then id). */
  async outlinesForProducts(productIds: number[]): Promise<LessonOutline[]> {
    if (!productIds.length) return [];
    const rows: Record<string, unknown>[] =
      productIds.length === 1
        ? await this.hot.all(`SELECT ${OUTLINE_COLUMNS} FROM lessons WHERE product_id = ? ORDER BY position ASC, id ASC`, productIds)
        : await this.db.manager.query(
            `SELECT ${OUTLINE_COLUMNS} FROM lessons WHERE product_id IN (${productIds.map(() => '?').join(', ')}) ORDER BY position ASC, id ASC`,
            productIds,
          );
    return rows.map((r) => ({
      id: Number(r.id),
      productId: Number(r.product_id),
      sectionId: r.section_id === null ? null : Number(r.section_id),
      title: String(r.title),
      position: Number(r.position),
      dripDays: r.drip_days === null ? null : Number(r.drip_days),
      dripDate: dbDateOrNull(r.drip_date),
    }));
  }

  async nextLessonPosition(m: EntityManager, productId: number): Promise<number> {
    const r = await m.createQueryBuilder(Lesson, 'l').select('MAX(l.position)', 'max').where('l.product_id = :productId', { productId }).getRawOne<{ max: number | null }>();
    return Number(r?.max ?? 0) + 1;
  }

  async insertLesson(m: EntityManager, data: LessonData): Promise<Lesson> {
    const now = new Date();
    const l = await m.save(Lesson, m.create(Lesson, { ...data, createdAt: now, updatedAt: now }));
    await this.bumpOutlineVersion(m, data.productId);
    return l;
  }

  async updateLesson(m: EntityManager, id: number, patch: Partial<LessonData>): Promise<void> {
    await m.update(Lesson, { id }, { ...patch, updatedAt: new Date() });
    const l = await m.findOne(Lesson, { where: { id }, select: { id: true, productId: true } });
    if (l) await this.bumpOutlineVersion(m, l.productId);
  }

  findSection(id: number, m: EntityManager = this.db.manager): Promise<Section | null> {
    return m.findOneBy(Section, { id });
  }

  async sectionsForProduct(productId: number): Promise<Section[]> {
    const rows = await this.hot.all(
      'SELECT id, product_id, title, position FROM product_sections WHERE product_id = ? ORDER BY position ASC, id ASC',
      [productId],
    );
    return rows.map((r) => ({ id: Number(r.id), productId: Number(r.product_id), title: String(r.title), position: Number(r.position) }));
  }

  async nextSectionPosition(m: EntityManager, productId: number): Promise<number> {
    const r = await m.createQueryBuilder(Section, 's').select('MAX(s.position)', 'max').where('s.product_id = :productId', { productId }).getRawOne<{ max: number | null }>();
    return Number(r?.max ?? 0) + 1;
  }

  async insertSection(m: EntityManager, data: Pick<Section, 'productId' | 'title' | 'position'>): Promise<Section> {
    const s = await m.save(Section, m.create(Section, data));
    await this.bumpOutlineVersion(m, data.productId);
    return s;
  }

  async updateSection(m: EntityManager, id: number, patch: Partial<Pick<Section, 'title' | 'position'>>): Promise<void> {
    await m.update(Section, { id }, patch);
    const s = await m.findOneBy(Section, { id });
    if (s) await this.bumpOutlineVersion(m, s.productId);
  }

  /**
   * Moves the product's `updated_at` strictly forward in the writer's transaction, so every instance's outline
   * cache (keyed by it, see findForReading) sees the change on its next read. Strictly: two edits in the same
   * millisecond must not share a version; on MySQL the row is locked so concurrent editors queue (SQLite has
   * one writer anyway).
   */
  private async bumpOutlineVersion(m: EntityManager, productId: number): Promise<void> {
    const rows: { updated_at: unknown }[] = await m.query(`SELECT updated_at FROM products WHERE id = ?${this.db.isMysql ? ' FOR UPDATE' : ''}`, [productId]);
    if (!rows[0]) return;
    const next = Math.max(Date.now(), dbDate(rows[0].updated_at).getTime() + 1);
    await m.query('UPDATE products SET updated_at = ? WHERE id = ?', [sqlDate(new Date(next)), productId]);
  }
}
