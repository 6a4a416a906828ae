import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Database } from '../database/database.service';
import { Lesson } from './entities/lesson.entity';
import { Section } from './entities/section.entity';

export type LessonData = Pick<Lesson, 'productId' | 'sectionId' | 'title' | 'bodyMd' | 'bodyHtml' | 'position' | 'dripDays' | 'dripDate'>;
/** A lesson without its body: what tables of contents and progress counts need. */
export type LessonOutline = Pick<Lesson, 'id' | 'productId' | 'sectionId' | 'title' | 'position' | 'dripDays' | 'dripDate'>;

const OUTLINE_COLUMNS = ['l.id', 'l.productId', 'l.sectionId', 'l.title', 'l.position', 'l.dripDays', 'l.dripDate'];

/** Sections and lessons of products. */
@Injectable()
export class LessonsRepository {
  constructor(private readonly db: Database) {}

  findLesson(id: number, m: EntityManager = this.db.manager): Promise<Lesson | null> {
    return m.findOneBy(Lesson, { id });
  }

  outlinesForProducts(productIds: number[]): Promise<LessonOutline[]> {
    if (!productIds.length) return Promise.resolve([]);
    return this.db.manager
      .createQueryBuilder(Lesson, 'l')
      .select(OUTLINE_COLUMNS)
      .where({ productId: In(productIds) })
      .orderBy('l.position', 'ASC')
      .addOrderBy('l.id', 'ASC')
      .getMany();
  }

  async nextLessonPosition(m: EntityManager, productId: number): Promise<number> {
    const r = await m.createQueryBuilder(Lesson, 'l').select('MAX(l.position)', 'max').where('l.product_id = :productId', { productId }).getRawOne<{ max: number | null }>();
    return Number(r?.max ?? 0) + 1;
  }

  insertLesson(m: EntityManager, data: LessonData): Promise<Lesson> {
    const now = new Date();
    return m.save(Lesson, m.create(Lesson, { ...data, createdAt: now, updatedAt: now }));
  }

  async updateLesson(m: EntityManager, id: number, patch: Partial<LessonData>): Promise<void> {
    await m.update(Lesson, { id }, { ...patch, updatedAt: new Date() });
  }

  findSection(id: number, m: EntityManager = this.db.manager): Promise<Section | null> {
    return m.findOneBy(Section, { id });
  }

  sectionsForProduct(productId: number): Promise<Section[]> {
    return this.db.manager.find(Section, { where: { productId }, order: { position: 'ASC', id: 'ASC' } });
  }

  async nextSectionPosition(m: EntityManager, productId: number): Promise<number> {
    const r = await m.createQueryBuilder(Section, 's').select('MAX(s.position)', 'max').where('s.product_id = :productId', { productId }).getRawOne<{ max: number | null }>();
    return Number(r?.max ?? 0) + 1;
  }

  insertSection(m: EntityManager, data: Pick<Section, 'productId' | 'title' | 'position'>): Promise<Section> {
    return m.save(Section, m.create(Section, data));
  }

  async updateSection(m: EntityManager, id: number, patch: Partial<Pick<Section, 'title' | 'position'>>): Promise<void> {
    await m.update(Section, { id }, patch);
  }
}
