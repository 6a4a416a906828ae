import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Actor } from '../../src/audit/actor';
import { CatalogueService, ProductView } from '../../src/members/catalogue/catalogue.service';
import { Grant, GrantSource } from '../../src/members/access/entities/grant.entity';
import { Lesson } from '../../src/members/catalogue/entities/lesson.entity';
import { ProductStatus } from '../../src/members/catalogue/entities/product.entity';
import { StoredFile } from '../../src/members/catalogue/entities/stored-file.entity';
import { GrantsService } from '../../src/members/access/grants.service';
import { renderLessonMarkdown } from '../../src/members/catalogue/lesson-markdown';
import type { TestHost } from '../utils/test-host';

export const FACTORY_ACTOR: Actor = { userId: null, label: 'test-factory', ip: '' };

export interface ProductOverrides {
  slug?: string;
  title?: string;
  description?: string | null;
  priceLabel?: string;
  status?: ProductStatus;
  endGrantOnRefund?: boolean;
}

/** A product through the real service (validation and audit included); published unless told otherwise. */
export function createProduct(t: TestHost, o: ProductOverrides = {}): Promise<ProductView> {
  const suffix = randomBytes(4).toString('hex');
  return t.app.get(CatalogueService).create(FACTORY_ACTOR, {
    slug: o.slug ?? `course-${suffix}`,
    title: o.title ?? `Course ${suffix}`,
    description: o.description ?? null,
    priceLabel: o.priceLabel ?? '',
    status: o.status ?? 'published',
    endGrantOnRefund: o.endGrantOnRefund ?? true,
  });
}

export interface LessonOverrides {
  title?: string;
  bodyMd?: string;
  sectionId?: number | null;
  position?: number;
  dripDays?: number | null;
  dripDate?: Date | null;
}

/** A lesson row written directly, so drip dates can be set to the millisecond. */
export function createLesson(t: TestHost, productId: number, o: LessonOverrides = {}): Promise<Lesson> {
  const bodyMd = o.bodyMd ?? `Lesson text ${randomBytes(3).toString('hex')}`;
  const now = new Date();
  return t.db.transaction((m) =>
    m.save(
      Lesson,
      m.create(Lesson, {
        productId,
        sectionId: o.sectionId ?? null,
        title: o.title ?? `Lesson ${randomBytes(3).toString('hex')}`,
        bodyMd,
        bodyHtml: renderLessonMarkdown(bodyMd),
        position: o.position ?? 0,
        dripDays: o.dripDays ?? null,
        dripDate: o.dripDate ?? null,
        createdAt: now,
        updatedAt: now,
      }),
    ),
  );
}

/** A file attached to a lesson: the bytes are written under config.filesDir, the row points at them. */
export async function createFile(t: TestHost, lesson: Pick<Lesson, 'id' | 'productId'>, o: { name?: string; bytes?: Buffer; contentType?: string } = {}): Promise<StoredFile> {
  const bytes = o.bytes ?? randomBytes(1000);
  const storageKey = randomBytes(24).toString('hex');
  fs.mkdirSync(t.config.filesDir, { recursive: true });
  fs.writeFileSync(path.join(t.config.filesDir, storageKey), bytes);
  return t.db.transaction((m) =>
    m.save(
      StoredFile,
      m.create(StoredFile, {
        productId: lesson.productId,
        lessonId: lesson.id,
        originalName: o.name ?? 'notes.bin',
        storageKey,
        sizeBytes: bytes.length,
        contentType: o.contentType ?? 'application/octet-stream',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        createdBy: null,
        createdAt: new Date(),
      }),
    ),
  );
}

/** Access through GrantsService, as every real grant is made. Forever from now unless told otherwise. */
export function grantAccess(
  t: TestHost,
  clientId: number,
  productId: number,
  o: { startsAt?: Date; endsAt?: Date | null; source?: GrantSource } = {},
): Promise<Grant> {
  return t.db.transaction((m) =>
    t.app.get(GrantsService).grant(m, FACTORY_ACTOR, { clientId, productId, source: o.source ?? 'manual', startsAt: o.startsAt, endsAt: o.endsAt ?? null }),
  );
}
