import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Lesson } from './entities/lesson.entity';
import { Product } from './entities/product.entity';
import { Section } from './entities/section.entity';
import { StoredFile } from './entities/stored-file.entity';

export interface Placed {
  id: number;
  position: number;
}

export interface PlacedLesson extends Placed {
  sectionId: number | null;
}

/**
 * The catalogue's structural writes: deleting lessons, sections and files, and renumbering positions. Every
 * method takes the caller's transaction; each one bumps the product's `updated_at`, which readers of the
 * product outline use as its version.
 */
@Injectable()
export class CatalogueRepository {
  lessonOrder(m: EntityManager, productId: number): Promise<PlacedLesson[]> {
    return m.find(Lesson, { where: { productId }, select: { id: true, sectionId: true, position: true }, order: { position: 'ASC', id: 'ASC' } });
  }

  sectionOrder(m: EntityManager, productId: number): Promise<Placed[]> {
    return m.find(Section, { where: { productId }, select: { id: true, position: true }, order: { position: 'ASC', id: 'ASC' } });
  }

  async setLessonPositions(m: EntityManager, changes: Placed[]): Promise<void> {
    const now = new Date();
    for (const c of changes) await m.update(Lesson, { id: c.id }, { position: c.position, updatedAt: now });
  }

  async setSectionPositions(m: EntityManager, changes: Placed[]): Promise<void> {
    for (const c of changes) await m.update(Section, { id: c.id }, { position: c.position });
  }

  filesOfLesson(m: EntityManager, lessonId: number): Promise<StoredFile[]> {
    return m.find(StoredFile, { where: { lessonId }, order: { id: 'ASC' } });
  }

  findFile(m: EntityManager, id: number): Promise<StoredFile | null> {
    return m.findOneBy(StoredFile, { id });
  }

  async deleteFiles(m: EntityManager, ids: number[]): Promise<void> {
    if (ids.length) await m.delete(StoredFile, { id: In(ids) });
  }

  async deleteLesson(m: EntityManager, id: number): Promise<void> {
    await m.delete(Lesson, { id });
  }

  countLessonsInSection(m: EntityManager, sectionId: number): Promise<number> {
    return m.countBy(Lesson, { sectionId });
  }

  /**
   * The section's lessons stay, outside any section. Done here rather than left to the foreign key's
   * SET NULL so their `updated_at` moves too.
   */
  async deleteSectionKeepingLessons(m: EntityManager, sectionId: number): Promise<void> {
    await m.update(Lesson, { sectionId }, { sectionId: null, updatedAt: new Date() });
    await m.delete(Section, { id: sectionId });
  }

  async touchProduct(m: EntityManager, productId: number): Promise<void> {
    await m.update(Product, { id: productId }, { updatedAt: new Date() });
  }
}
