import { Inject, Injectable, Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database } from '../../database/database.service';
import { CatalogueRepository, Placed } from './catalogue.repository';
import { FilesRepository } from './files.repository';
import { LessonsRepository } from './lessons.repository';
import { ProductsRepository } from './products.repository';

export type MoveDirection = 'up' | 'down';

/** What a "delete?" page shows: what goes, what stays, where the form posts and where "cancel" leads. */
export interface DeletePrompt {
  kind: 'lesson' | 'section' | 'file';
  name: string;
  productTitle: string;
  /** Lessons the section keeps (they stay, without a section) or files the lesson takes with it. */
  count: number;
  action: string;
  cancelUrl: string;
}

export function parseDirection(v: unknown): MoveDirection {
  if (v === 'up' || v === 'down') return v;
  // Buttons send it, so a bad value is a bad request, shown on the error page rather than as a form field.
  throw new AppError('bad_request', 'members.direction_invalid', 'members.direction_invalid', { direction: 'members.direction_invalid' });
}

/**
 * Moves `id` one step within `items` (already in display order), among the items `sameGroup` says are its
 * peers, then numbers everything 1..n so positions are distinct from then on. Returns only the rows whose
 * position changed; empty when it is already first or last.
 */
export function moveOneStep<T extends Placed>(items: T[], id: number, dir: MoveDirection, sameGroup: (a: T, b: T) => boolean = () => true): Placed[] {
  const i = items.findIndex((x) => x.id === id);
  if (i < 0) return [];
  const step = dir === 'up' ? -1 : 1;
  let j = i + step;
  while (j >= 0 && j < items.length && !sameGroup(items[i], items[j])) j += step;
  if (j < 0 || j >= items.length) return [];
  const order = [...items];
  [order[i], order[j]] = [order[j], order[i]];
  return order.map((x, k) => ({ id: x.id, position: k + 1 })).filter((x, k) => order[k].position !== x.position);
}

/**
 * Deleting and reordering the catalogue's lessons, sections and files (staff). Deleting a lesson takes its
 * files with it; deleting a section keeps its lessons, which move out of any section. Stored bytes are
 * removed only after the transaction has committed, so a rollback never leaves a row without its file.
 */
@Injectable()
export class CatalogueStructureService {
  private readonly logger = new Logger('Catalogue');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly repo: CatalogueRepository,
    private readonly products: ProductsRepository,
    private readonly lessons: LessonsRepository,
    private readonly files: FilesRepository,
    private readonly audit: AuditService,
  ) {}

  async lessonDeletePrompt(lessonId: number): Promise<DeletePrompt> {
    const l = await this.lessons.findLesson(lessonId);
    if (!l) throw AppError.notFound('lesson');
    const product = await this.products.findById(l.productId);
    const files = await this.repo.filesOfLesson(this.db.manager, lessonId);
    return { kind: 'lesson', name: l.title, productTitle: product!.title, count: files.length, action: `/admin/lessons/${l.id}/delete`, cancelUrl: `/admin/lessons/${l.id}` };
  }

  async sectionDeletePrompt(productId: number, sectionId: number): Promise<DeletePrompt> {
    const s = await this.lessons.findSection(sectionId);
    if (!s || s.productId !== productId) throw AppError.notFound('section');
    const product = await this.products.findById(productId);
    return {
      kind: 'section',
      name: s.title,
      productTitle: product!.title,
      count: await this.repo.countLessonsInSection(this.db.manager, sectionId),
      action: `/admin/products/${productId}/sections/${sectionId}/delete`,
      cancelUrl: `/admin/products/${productId}#sections`,
    };
  }

  async fileDeletePrompt(fileId: number): Promise<DeletePrompt> {
    const f = await this.files.findById(fileId);
    if (!f) throw AppError.notFound('file');
    const product = await this.products.findById(f.productId);
    return {
      kind: 'file',
      name: f.originalName,
      productTitle: product!.title,
      count: 0,
      action: `/admin/files/${f.id}/delete`,
      cancelUrl: f.lessonId ? `/admin/lessons/${f.lessonId}#files` : `/admin/products/${f.productId}`,
    };
  }

  /** Returns the product, whose page is where the admin goes next. */
  async deleteLesson(actor: Actor, lessonId: number): Promise<{ productId: number }> {
    const { productId, storageKeys } = await this.db.transaction(async (m) => {
      const l = await this.lessons.findLesson(lessonId, m);
      if (!l) throw AppError.notFound('lesson');
      const files = await this.repo.filesOfLesson(m, lessonId);
      await this.repo.deleteFiles(
        m,
        files.map((f) => f.id),
      );
      await this.repo.deleteLesson(m, lessonId);
      await this.repo.touchProduct(m, l.productId);
      await this.audit.record(m, actor, {
        action: 'lesson.delete',
        subjectType: 'product',
        subjectId: l.productId,
        before: { lessonId, title: l.title, position: l.position, sectionId: l.sectionId, files: files.map((f) => ({ fileId: f.id, name: f.originalName, sha256: f.sha256 })) },
      });
      return { productId: l.productId, storageKeys: files.map((f) => f.storageKey) };
    });
    await this.removeBlobs(storageKeys);
    return { productId };
  }

  async deleteSection(actor: Actor, productId: number, sectionId: number): Promise<void> {
    await this.db.transaction(async (m) => {
      const s = await this.lessons.findSection(sectionId, m);
      if (!s || s.productId !== productId) throw AppError.notFound('section');
      const kept = await this.repo.countLessonsInSection(m, sectionId);
      await this.repo.deleteSectionKeepingLessons(m, sectionId);
      await this.repo.touchProduct(m, productId);
      await this.audit.record(m, actor, {
        action: 'section.delete',
        subjectType: 'product',
        subjectId: productId,
        before: { sectionId, title: s.title, position: s.position },
        extra: { lessonsKeptWithoutSection: kept },
      });
    });
  }

  /** Returns where the file was, so the admin goes back there. */
  async deleteFile(actor: Actor, fileId: number): Promise<{ productId: number; lessonId: number | null }> {
    const f = await this.db.transaction(async (m) => {
      const file = await this.repo.findFile(m, fileId);
      if (!file) throw AppError.notFound('file');
      await this.repo.deleteFiles(m, [file.id]);
      await this.repo.touchProduct(m, file.productId);
      await this.audit.record(m, actor, {
        action: 'file.delete',
        subjectType: 'product',
        subjectId: file.productId,
        before: { fileId: file.id, lessonId: file.lessonId, name: file.originalName, sizeBytes: file.sizeBytes, sha256: file.sha256 },
      });
      return file;
    });
    await this.removeBlobs([f.storageKey]);
    return { productId: f.productId, lessonId: f.lessonId };
  }

  /** One step up or down among the lessons of the same section (or of none), as the client's page groups them. */
  async moveLesson(actor: Actor, lessonId: number, dir: MoveDirection): Promise<{ productId: number }> {
    return this.db.transaction(async (m) => {
      const l = await this.lessons.findLesson(lessonId, m);
      if (!l) throw AppError.notFound('lesson');
      const changes = moveOneStep(await this.repo.lessonOrder(m, l.productId), lessonId, dir, (a, b) => a.sectionId === b.sectionId);
      if (!changes.length) return { productId: l.productId };
      await this.repo.setLessonPositions(m, changes);
      await this.repo.touchProduct(m, l.productId);
      await this.audit.record(m, actor, {
        action: 'lesson.move',
        subjectType: 'product',
        subjectId: l.productId,
        before: { lessonId, position: l.position },
        after: { lessonId, position: changes.find((c) => c.id === lessonId)?.position ?? l.position },
        extra: { direction: dir },
      });
      return { productId: l.productId };
    });
  }

  async moveSection(actor: Actor, productId: number, sectionId: number, dir: MoveDirection): Promise<void> {
    await this.db.transaction(async (m) => {
      const s = await this.lessons.findSection(sectionId, m);
      if (!s || s.productId !== productId) throw AppError.notFound('section');
      const changes = moveOneStep(await this.repo.sectionOrder(m, productId), sectionId, dir);
      if (!changes.length) return;
      await this.repo.setSectionPositions(m, changes);
      await this.repo.touchProduct(m, productId);
      await this.audit.record(m, actor, {
        action: 'section.move',
        subjectType: 'product',
        subjectId: productId,
        before: { sectionId, position: s.position },
        after: { sectionId, position: changes.find((c) => c.id === sectionId)?.position ?? s.position },
        extra: { direction: dir },
      });
    });
  }

  /** After the commit: a file that cannot be removed is only wasted space, never a reason to fail the request. */
  private async removeBlobs(storageKeys: string[]): Promise<void> {
    for (const key of storageKeys) {
      await fs.promises.rm(path.join(this.config.filesDir, key), { force: true }).catch((e: Error) => this.logger.warn(`could not remove stored file ${key}: ${e.message}`));
    }
  }
}
