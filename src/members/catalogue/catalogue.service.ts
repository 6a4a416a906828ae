import { Injectable } from '@nestjs/common';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { Page } from '../../common/http/pagination';
import { Database, isUniqueViolation } from '../../database/database.service';
import { Product, PRODUCT_STATUSES, ProductStatus } from './entities/product.entity';
import { Section } from './entities/section.entity';
import { StoredFile } from './entities/stored-file.entity';
import { FilesRepository } from './files.repository';
import { renderLessonMarkdown } from './lesson-markdown';
import { LessonData, LessonOutline, LessonsRepository } from './lessons.repository';
import { ProductData, ProductsRepository } from './products.repository';
import { localDateString, startOfLocalDay } from '../../common/time/zoned-time';
import { CoversRepository } from './covers.repository';
import { CoverView, toCoverView } from './covers.service';

export interface ProductView {
  id: number;
  slug: string;
  title: string;
  description: string | null;
  priceLabel: string;
  status: ProductStatus;
  endGrantOnRefund: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface SectionView {
  id: number;
  title: string;
  position: number;
}

export interface LessonAdminView {
  id: number;
  productId: number;
  sectionId: number | null;
  title: string;
  position: number;
  dripDays: number | null;
  dripDate: Date | null;
}

export interface FileView {
  id: number;
  name: string;
  sizeBytes: number;
  contentType: string;
  sha256: string;
  createdAt: Date;
}

/** Loose input as it arrives from a form or the API; everything is checked here. */
export type ProductInput = Partial<Record<'slug' | 'title' | 'description' | 'priceLabel' | 'status', unknown>> & { endGrantOnRefund?: unknown };
export type LessonInput = Partial<Record<'title' | 'sectionId' | 'position' | 'bodyMd' | 'dripMode' | 'dripDays' | 'dripDate', unknown>>;

export const toProductView = (p: Product): ProductView => ({
  id: p.id,
  slug: p.slug,
  title: p.title,
  description: p.description,
  priceLabel: p.priceLabel,
  status: p.status,
  endGrantOnRefund: !!p.endGrantOnRefund,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});
const toSectionView = (s: Section): SectionView => ({ id: s.id, title: s.title, position: s.position });
const toLessonAdminView = (l: LessonOutline): LessonAdminView => ({
  id: l.id,
  productId: l.productId,
  sectionId: l.sectionId,
  title: l.title,
  position: l.position,
  dripDays: l.dripDays,
  dripDate: l.dripDate,
});
export const toFileView = (f: StoredFile): FileView => ({ id: f.id, name: f.originalName, sizeBytes: f.sizeBytes, contentType: f.contentType, sha256: f.sha256, createdAt: f.createdAt });

const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/;
const MAX_BODY = 200_000;

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const truthy = (v: unknown): boolean => v === true || v === 'on' || v === '1' || v === 'true' || v === 1;

function wholeNumber(v: unknown, min: number, max: number): number | null {
  const s = str(v).trim();
  if (!/^\d{1,9}$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}

/** Staff's side of the catalogue: products, sections, lessons. Every change is audited in its transaction. */
@Injectable()
export class CatalogueService {
  constructor(
    private readonly db: Database,
    private readonly products: ProductsRepository,
    private readonly lessons: LessonsRepository,
    private readonly files: FilesRepository,
    private readonly audit: AuditService,
    private readonly covers: CoversRepository,
  ) {}

  /** The admin's list: each product with its cover's address (null: the list shows a placeholder). */
  async listWithCovers(page: Page): Promise<{ items: (ProductView & { coverUrl: string | null })[]; total: number }> {
    const res = await this.list(page);
    const urls = await this.covers.urlsFor(res.items.map((p) => p.id));
    return { ...res, items: res.items.map((p) => ({ ...p, coverUrl: urls.get(p.id) ?? null })) };
  }

  async list(page: Page): Promise<{ items: ProductView[]; total: number }> {
    const [rows, total] = await this.products.listPage(page);
    return { items: rows.map(toProductView), total };
  }

  async get(id: number): Promise<ProductView> {
    return toProductView(await this.requireProduct(id));
  }

  /**
   * The product page of the admin: the product with its sections and lessons. A lesson moves up or down among
   * the lessons of its own section, as the client's page groups them.
   */
  async outline(id: number): Promise<{
    product: ProductView;
    cover: CoverView | null;
    sections: SectionView[];
    lessons: (LessonAdminView & { canMoveUp: boolean; canMoveDown: boolean })[];
  }> {
    const product = await this.requireProduct(id);
    const [sections, lessons, cover] = await Promise.all([this.lessons.sectionsForProduct(id), this.lessons.outlinesForProducts([id]), this.covers.find(id)]);
    const peers = (i: number, j: number) => lessons[j].sectionId === lessons[i].sectionId;
    return {
      product: toProductView(product),
      cover: cover ? toCoverView(cover) : null,
      sections: sections.map(toSectionView),
      lessons: lessons.map((l, i) => ({
        ...toLessonAdminView(l),
        canMoveUp: lessons.some((_, j) => j < i && peers(i, j)),
        canMoveDown: lessons.some((_, j) => j > i && peers(i, j)),
      })),
    };
  }

  async create(actor: Actor, input: ProductInput): Promise<ProductView> {
    const data = this.productData(input, null) as ProductData;
    return this.saveUnique(data.slug, async () =>
      this.db.transaction(async (m) => {
        if (await this.products.slugTaken(m, data.slug)) throw slugTaken();
        const p = await this.products.insert(m, data);
        await this.audit.record(m, actor, { action: 'product.create', subjectType: 'product', subjectId: p.id, after: data });
        return toProductView(p);
      }),
    );
  }

  async update(actor: Actor, id: number, input: ProductInput): Promise<ProductView> {
    const before = await this.requireProduct(id);
    const patch = this.productData(input, before);
    return this.saveUnique(patch.slug ?? before.slug, () =>
      this.db.transaction(async (m) => {
        if (patch.slug && (await this.products.slugTaken(m, patch.slug, id))) throw slugTaken();
        await this.products.update(m, id, patch);
        const after = (await this.products.findById(id, m))!;
        await this.audit.record(m, actor, {
          action: 'product.update',
          subjectType: 'product',
          subjectId: id,
          before: pick(before, Object.keys(patch)),
          after: patch,
        });
        return toProductView(after);
      }),
    );
  }

  async addSection(actor: Actor, productId: number, input: { title?: unknown; position?: unknown }): Promise<SectionView> {
    await this.requireProduct(productId);
    const { title, position } = this.sectionData(input);
    return this.db.transaction(async (m) => {
      const s = await this.lessons.insertSection(m, { productId, title, position: position ?? (await this.lessons.nextSectionPosition(m, productId)) });
      await this.audit.record(m, actor, { action: 'section.create', subjectType: 'product', subjectId: productId, after: { sectionId: s.id, title, position: s.position } });
      return toSectionView(s);
    });
  }

  async updateSection(actor: Actor, productId: number, sectionId: number, input: { title?: unknown; position?: unknown }): Promise<void> {
    const s = await this.lessons.findSection(sectionId);
    if (!s || s.productId !== productId) throw AppError.notFound('section');
    const { title, position } = this.sectionData(input);
    await this.db.transaction(async (m) => {
      await this.lessons.updateSection(m, sectionId, { title, position: position ?? s.position });
      await this.audit.record(m, actor, {
        action: 'section.update',
        subjectType: 'product',
        subjectId: productId,
        before: { sectionId, title: s.title, position: s.position },
        after: { sectionId, title, position: position ?? s.position },
      });
    });
  }

  /** The lesson edit page: the lesson, its product's sections, its files, and the form's values (dates in `timeZone`). */
  async lesson(id: number, timeZone: string): Promise<{
    lesson: LessonAdminView & { bodyMd: string; bodyHtml: string };
    product: ProductView;
    sections: SectionView[];
    files: FileView[];
    formValues: Record<string, string | number>;
  }> {
    const l = await this.lessons.findLesson(id);
    if (!l) throw AppError.notFound('lesson');
    const [product, sections, files] = await Promise.all([this.requireProduct(l.productId), this.lessons.sectionsForProduct(l.productId), this.files.listForLesson(id)]);
    return {
      lesson: { ...toLessonAdminView(l), bodyMd: l.bodyMd, bodyHtml: l.bodyHtml },
      product: toProductView(product),
      sections: sections.map(toSectionView),
      files: files.map(toFileView),
      formValues: {
        title: l.title,
        bodyMd: l.bodyMd,
        position: l.position,
        sectionId: l.sectionId ?? '',
        dripMode: l.dripDays ? 'days' : l.dripDate ? 'date' : 'none',
        dripDays: l.dripDays ?? '',
        dripDate: l.dripDate ? localDateString(l.dripDate, timeZone) : '',
      },
    };
  }

  /** What the lesson form needs around it (the product and its sections). */
  async lessonFormModel(productId: number): Promise<{ product: ProductView; sections: SectionView[] }> {
    const product = await this.requireProduct(productId);
    return { product: toProductView(product), sections: (await this.lessons.sectionsForProduct(productId)).map(toSectionView) };
  }

  /** A drip date is read in `timeZone` (the editor's): the lesson opens when that day begins there. */
  async createLesson(actor: Actor, productId: number, input: LessonInput, timeZone: string): Promise<LessonAdminView> {
    await this.requireProduct(productId);
    const data = await this.lessonData(productId, input, timeZone);
    return this.db.transaction(async (m) => {
      const l = await this.lessons.insertLesson(m, { ...data, position: data.position ?? (await this.lessons.nextLessonPosition(m, productId)) } as LessonData);
      await this.audit.record(m, actor, { action: 'lesson.create', subjectType: 'product', subjectId: productId, after: { lessonId: l.id, title: l.title } });
      return toLessonAdminView(l);
    });
  }

  async updateLesson(actor: Actor, lessonId: number, input: LessonInput, timeZone: string): Promise<LessonAdminView> {
    const before = await this.lessons.findLesson(lessonId);
    if (!before) throw AppError.notFound('lesson');
    const data = await this.lessonData(before.productId, input, timeZone);
    return this.db.transaction(async (m) => {
      const patch = { ...data, position: data.position ?? before.position };
      await this.lessons.updateLesson(m, lessonId, patch);
      await this.audit.record(m, actor, {
        action: 'lesson.update',
        subjectType: 'product',
        subjectId: before.productId,
        before: { lessonId, title: before.title, position: before.position, dripDays: before.dripDays, dripDate: before.dripDate },
        after: { lessonId, title: patch.title, position: patch.position, dripDays: patch.dripDays, dripDate: patch.dripDate },
      });
      return toLessonAdminView({ ...before, ...patch });
    });
  }

  /**
   * The lesson form's Markdown as clients would see it, saving nothing: the same rule and renderer (and so the
   * same sanitiser) as a save, whose stored HTML is what the lesson page prints.
   */
  previewLessonBody(input: LessonInput): string {
    const fields: Record<string, string> = {};
    const { bodyHtml } = lessonBody(input, fields);
    if (Object.keys(fields).length) throw AppError.validation(fields);
    return bodyHtml;
  }

  private async requireProduct(id: number): Promise<Product> {
    const p = await this.products.findById(id);
    if (!p) throw AppError.notFound('product');
    return p;
  }

  /** A unique-index race between the check and the insert still ends as the same 409. */
  private async saveUnique<T>(_slug: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (isUniqueViolation(e)) throw slugTaken();
      throw e;
    }
  }

  /** `before` null = create (slug and title required); otherwise only the fields sent change. */
  private productData(input: ProductInput, before: Product | null): Partial<ProductData> {
    const fields: Record<string, string> = {};
    const out: Partial<ProductData> = {};
    const has = (k: keyof ProductInput) => before === null || input[k] !== undefined;
    if (has('slug')) {
      const slug = str(input.slug).trim().toLowerCase();
      if (!SLUG.test(slug)) fields.slug = 'members.slug_invalid';
      out.slug = slug;
    }
    if (has('title')) {
      const title = str(input.title).trim();
      if (!title) fields.title = 'errors.required';
      else if (title.length > 200) fields.title = 'errors.too_long';
      out.title = title;
    }
    if (has('description')) {
      const d = str(input.description).trim();
      if (d.length > 20_000) fields.description = 'errors.too_long';
      out.description = d || null;
    }
    if (has('priceLabel')) {
      const pl = str(input.priceLabel).trim();
      if (pl.length > 100) fields.priceLabel = 'errors.too_long';
      out.priceLabel = pl;
    }
    if (has('status')) {
      const s = input.status === undefined || input.status === '' ? 'draft' : str(input.status);
      if (!(PRODUCT_STATUSES as readonly string[]).includes(s)) fields.status = 'members.status_invalid';
      out.status = s as ProductStatus;
    }
    if (before === null || input.endGrantOnRefund !== undefined) out.endGrantOnRefund = truthy(input.endGrantOnRefund);
    if (Object.keys(fields).length) throw AppError.validation(fields);
    return out;
  }

  private sectionData(input: { title?: unknown; position?: unknown }): { title: string; position: number | null } {
    const fields: Record<string, string> = {};
    const title = str(input.title).trim();
    if (!title) fields.title = 'errors.required';
    else if (title.length > 200) fields.title = 'errors.too_long';
    let position: number | null = null;
    if (str(input.position).trim() !== '') {
      position = wholeNumber(input.position, 0, 100000);
      if (position === null) fields.position = 'members.position_invalid';
    }
    if (Object.keys(fields).length) throw AppError.validation(fields);
    return { title, position };
  }

  private async lessonData(productId: number, input: LessonInput, timeZone: string): Promise<Omit<LessonData, 'position'> & { position: number | null }> {
    const fields: Record<string, string> = {};
    const title = str(input.title).trim();
    if (!title) fields.title = 'errors.required';
    else if (title.length > 200) fields.title = 'errors.too_long';
    const { bodyMd, bodyHtml } = lessonBody(input, fields);

    let sectionId: number | null = null;
    if (str(input.sectionId).trim() !== '') {
      sectionId = wholeNumber(input.sectionId, 1, 2147483647);
      const s = sectionId ? await this.lessons.findSection(sectionId) : null;
      if (!s || s.productId !== productId) fields.sectionId = 'members.section_invalid';
    }
    let position: number | null = null;
    if (str(input.position).trim() !== '') {
      position = wholeNumber(input.position, 0, 100000);
      if (position === null) fields.position = 'members.position_invalid';
    }
    let dripDays: number | null = null;
    let dripDate: Date | null = null;
    const mode = str(input.dripMode) || 'none';
    if (mode === 'days') {
      dripDays = wholeNumber(input.dripDays, 1, 3650);
      if (dripDays === null) fields.dripDays = 'members.drip_days_invalid';
    } else if (mode === 'date') {
      const s = str(input.dripDate).trim();
      const d = startOfLocalDay(s, timeZone);
      if (!d) fields.dripDate = 'members.drip_date_invalid';
      else dripDate = d;
    } else if (mode !== 'none') fields.dripMode = 'members.drip_mode_invalid';

    if (Object.keys(fields).length) throw AppError.validation(fields);
    return { productId, sectionId, title, bodyMd, bodyHtml, position, dripDays, dripDate };
  }
}

/** A lesson's body as typed and as rendered; a body over the limit is reported in `fields` (and not rendered). */
function lessonBody(input: LessonInput, fields: Record<string, string>): { bodyMd: string; bodyHtml: string } {
  const bodyMd = str(input.bodyMd).replace(/\r\n/g, '\n');
  if (bodyMd.length > MAX_BODY) {
    fields.bodyMd = 'errors.too_long';
    return { bodyMd, bodyHtml: '' };
  }
  return { bodyMd, bodyHtml: renderLessonMarkdown(bodyMd) };
}

function slugTaken(): AppError {
  return new AppError('conflict', 'members.slug_taken', 'members.slug_taken', { slug: 'members.slug_taken' });
}

function pick<T extends object>(o: T, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));
}

