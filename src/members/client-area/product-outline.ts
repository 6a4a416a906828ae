import { Injectable } from '@nestjs/common';
import type { Section } from '../catalogue/entities/section.entity';
import type { LessonOutline } from '../catalogue/lessons.repository';

/** A product's table of contents, in the order the client reads it. */
export interface ProductOutline {
  /** Lessons outside any section of the product come first, untitled; then section by section. */
  sections: { title: string | null; lessons: LessonOutline[] }[];
  /** Every lesson in reading order. */
  order: LessonOutline[];
  /** Lesson id → its place in `order`. */
  indexOf: Map<number, number>;
}

/** `sections` and `lessons` each ordered by position, then id. */
export function buildOutline(sections: Pick<Section, 'id' | 'title'>[], lessons: LessonOutline[]): ProductOutline {
  const known = new Set(sections.map((s) => s.id));
  const out: ProductOutline['sections'] = [];
  const loose = lessons.filter((l) => l.sectionId === null || !known.has(l.sectionId));
  if (loose.length) out.push({ title: null, lessons: loose });
  for (const s of sections) out.push({ title: s.title, lessons: lessons.filter((l) => l.sectionId === s.id) });
  const order = out.flatMap((s) => s.lessons);
  return { sections: out, order, indexOf: new Map(order.map((l, i) => [l.id, i])) };
}

const MAX_PRODUCTS = 1000;

/**
 * Outlines by product, each kept under the version it was loaded for (LessonsRepository.findForReading reads
 * the current version in the same query as the lesson). A catalogue change on any instance moves the version
 * in the database, so every instance reloads on its next request: nothing here needs telling. Only the
 * outline is cached; the lesson itself, its files and the access check are read on every request.
 */
@Injectable()
export class OutlineCache {
  private readonly entries = new Map<number, { version: string; outline: Promise<ProductOutline> }>();

  get(productId: number, version: string, load: () => Promise<ProductOutline>): Promise<ProductOutline> {
    const hit = this.entries.get(productId);
    if (hit && hit.version === version) return hit.outline;
    const outline = load();
    this.entries.delete(productId);
    if (this.entries.size >= MAX_PRODUCTS) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(productId, { version, outline });
    // A failed load must not stick: the next request tries again.
    outline.catch(() => {
      if (this.entries.get(productId)?.outline === outline) this.entries.delete(productId);
    });
    return outline;
  }
}
