import { Inject, Injectable } from '@nestjs/common';
import * as path from 'node:path';
import { AppError } from '../../common/errors/app-error';
import { hmac, safeEqual } from '../../common/crypto';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { AccessService, isLessonOpen, lessonOpensAt } from '../access/access.service';
import { FileView, toFileView } from '../catalogue/catalogue.service';
import { Grant } from '../access/entities/grant.entity';
import { StoredFile } from '../catalogue/entities/stored-file.entity';
import { Servable } from './file-stream';
import { FilesRepository } from '../catalogue/files.repository';
import { GrantsRepository } from '../access/grants.repository';
import { LessonOutline, LessonsRepository } from '../catalogue/lessons.repository';
import { OutlineCache, ProductOutline, buildOutline } from './product-outline';
import { ProductsRepository } from '../catalogue/products.repository';
import { CoversRepository } from '../catalogue/covers.repository';
import { CompletionsRepository } from './completions.repository';
import { percentOf } from './progress.service';

export interface MyProductView {
  slug: string;
  title: string;
  description: string | null;
  endsAt: Date | null;
  /** Null: the card shows its placeholder. */
  coverUrl: string | null;
  lessonsOpen: number;
  lessonsTotal: number;
  lessonsDone: number;
  percent: number;
  /** Where "Start" or "Continue" goes: the first open lesson not done yet, in reading order; null when there is none. */
  resume: { id: number; title: string; started: boolean } | null;
}

export interface LessonLinkView {
  id: number;
  title: string;
  open: boolean;
  /** When a locked lesson opens. */
  opensAt: Date | null;
  completed: boolean;
  /** What the outline shows: done (completed), open, or locked (drip keeps it closed). */
  state: LessonState;
}

export type LessonState = 'done' | 'open' | 'locked';

/** The product's table of contents with the client's marks, for the lesson player's sidebar and the product page. */
export interface OutlineView {
  sections: { title: string | null; lessons: (LessonLinkView & { current: boolean })[] }[];
  done: number;
  total: number;
  percent: number;
}

export interface ClientProductView {
  product: { slug: string; title: string; description: string | null; coverUrl: string | null };
  endsAt: Date | null;
  sections: OutlineView['sections'];
  progress: Omit<OutlineView, 'sections'>;
  resume: MyProductView['resume'];
}

export interface ClientLessonView {
  product: { slug: string; title: string };
  /** `bodyHtml` is null while the lesson is locked: a locked lesson shows its outline and date, nothing of itself. */
  lesson: { id: number; title: string; bodyHtml: string | null; completed: boolean; completedAt: Date | null };
  /** Set while drip keeps the lesson closed. */
  locked: { opensAt: Date | null } | null;
  files: (FileView & { url: string; directUrl: string; directExpiresAt: Date })[];
  prev: LessonLinkView | null;
  next: LessonLinkView | null;
  outline: OutlineView;
}

/**
 * The client's side of the members' area. Every method starts with the access check (AccessService), and
 * anything the client may not see — another client's, never granted, revoked, expired — is a 404. A lesson
 * that drip keeps closed is shown as such (its title, date and the outline), never its body or files.
 */
@Injectable()
export class ClientAreaService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly access: AccessService,
    private readonly grants: GrantsRepository,
    private readonly products: ProductsRepository,
    private readonly lessons: LessonsRepository,
    private readonly files: FilesRepository,
    private readonly outlines: OutlineCache,
    private readonly completions: CompletionsRepository,
    private readonly covers: CoversRepository,
  ) {}

  async myProducts(clientId: number, now = new Date()): Promise<MyProductView[]> {
    const grants = await this.grants.listAccessForClient(clientId, now);
    const ids = grants.map((g) => g.productId);
    const [products, outlines, done, covers] = await Promise.all([
      this.products.findByIds(ids),
      Promise.all(ids.map((id) => this.loadOutline(id))),
      this.completions.forClient(clientId),
      this.covers.urlsFor(ids),
    ]);
    const byProduct = new Map(grants.map((g, i) => [g.productId, { grant: g, outline: outlines[i] }]));
    return products
      .map((p) => {
        const { grant: g, outline } = byProduct.get(p.id)!;
        const lessons = outline.order;
        const doneHere = lessons.filter((l) => done.has(l.id)).length;
        return {
          slug: p.slug,
          title: p.title,
          description: p.description,
          endsAt: g.endsAt,
          coverUrl: covers.get(p.id) ?? null,
          lessonsOpen: lessons.filter((l) => isLessonOpen(l, g, now)).length,
          lessonsTotal: lessons.length,
          lessonsDone: doneHere,
          percent: percentOf(doneHere, lessons.length),
          resume: resumeFrom(lessons, g, done, now),
        };
      })
      .sort((a, b) => a.title.localeCompare(b.title));
  }

  async product(clientId: number, slug: string, now = new Date()): Promise<ClientProductView> {
    const p = await this.products.findBySlug(slug);
    if (!p) throw AppError.notFound('product');
    const g = await this.access.requireGrant(clientId, p.id, now);
    const [outline, done, covers] = await Promise.all([this.loadOutline(p.id), this.completions.forProduct(clientId, p.id), this.covers.urlsFor([p.id])]);
    const { sections, ...progress } = outlineView(outline, g, done, now, null);
    return {
      product: { slug: p.slug, title: p.title, description: p.description, coverUrl: covers.get(p.id) ?? null },
      endsAt: g.endsAt,
      sections,
      progress,
      resume: resumeFrom(outline.order, g, done, now),
    };
  }

  /**
   * The busiest page of the area, so a few small reads: the lesson with its product, the access check, the
   * lesson's files, the client's marks in the product, and the product's outline for the sidebar and prev/next
   * — the last from OutlineCache while the product's catalogue is unchanged.
   */
  async lesson(clientId: number, lessonId: number, now = new Date()): Promise<ClientLessonView> {
    const l = await this.lessons.findForReading(lessonId);
    if (!l) throw AppError.notFound('lesson');
    const g = await this.access.requireGrant(clientId, l.productId, now);
    const open = isLessonOpen(l, g, now);
    const [files, outline, done] = await Promise.all([
      open ? this.files.listForLesson(l.id) : Promise.resolve([]),
      this.outlines.get(l.productId, l.outlineVersion, () => this.loadOutline(l.productId)),
      this.completions.forProduct(clientId, l.productId),
    ]);
    // Reading order follows the product page: lessons outside a section first, then section by section.
    const ordered = outline.order;
    const i = outline.indexOf.get(l.id) ?? -1;
    const expires = Math.floor(now.getTime() / 1000) + this.config.signedLinkTtlHours * 3600;
    const directExpiresAt = new Date(expires * 1000);
    return {
      product: { slug: l.product.slug, title: l.product.title },
      lesson: { id: l.id, title: l.title, bodyHtml: open ? l.bodyHtml : null, completed: done.has(l.id), completedAt: done.get(l.id) ?? null },
      locked: open ? null : { opensAt: lessonOpensAt(l, g) },
      files: files.map((f) => ({
        ...toFileView(f),
        url: `/account/files/${f.id}`,
        directUrl: this.signedPath(f.id, clientId, expires),
        directExpiresAt,
      })),
      prev: i > 0 ? toLink(ordered[i - 1], g, done, now) : null,
      next: i >= 0 && i < ordered.length - 1 ? toLink(ordered[i + 1], g, done, now) : null,
      outline: outlineView(outline, g, done, now, l.id),
    };
  }

  /** A download by a logged-in client. */
  async fileForClient(clientId: number, fileId: number, now = new Date()): Promise<Servable> {
    const f = await this.files.findById(fileId);
    if (!f) throw AppError.notFound('file');
    await this.requireFileAccess(clientId, f, now);
    return this.servable(f);
  }

  /**
   * A download through a signed link: the signature and expiry first, then the same access check as a
   * logged-in download, so the link dies the moment the grant is revoked or ends.
   */
  async fileBySignedLink(fileId: number, clientId: number, expires: number, sig: string, now = new Date()): Promise<Servable> {
    const expected = this.signature(fileId, clientId, expires);
    if (!safeEqual(sig, expected)) throw AppError.notFound('file');
    if (expires * 1000 <= now.getTime()) throw new AppError('gone', 'members.link_expired', 'members.link_expired');
    return this.fileForClient(clientId, fileId, now);
  }

  signedPath(fileId: number, clientId: number, expires: number): string {
    return `/d/${fileId}/${clientId}/${expires}/${this.signature(fileId, clientId, expires)}`;
  }

  private signature(fileId: number, clientId: number, expires: number): string {
    return hmac(this.config.secretKey, `${fileId}.${clientId}.${expires}`);
  }

  private async requireFileAccess(clientId: number, f: StoredFile, now: Date): Promise<void> {
    if (f.lessonId === null) {
      await this.access.requireGrant(clientId, f.productId, now);
      return;
    }
    const l = await this.lessons.findLesson(f.lessonId);
    if (!l) throw AppError.notFound('file');
    await this.access.requireOpenLesson(clientId, l, now);
  }

  private async loadOutline(productId: number): Promise<ProductOutline> {
    const [sections, lessons] = await Promise.all([this.lessons.sectionsForProduct(productId), this.lessons.outlinesForProducts([productId])]);
    return buildOutline(sections, lessons);
  }

  private servable(f: StoredFile): Servable {
    return { path: path.join(this.config.filesDir, f.storageKey), name: f.originalName, size: f.sizeBytes, contentType: f.contentType };
  }
}

function toLink(l: LessonOutline, g: Grant, done: Map<number, Date>, now: Date): LessonLinkView {
  const open = isLessonOpen(l, g, now);
  const completed = done.has(l.id);
  return { id: l.id, title: l.title, open, opensAt: open ? null : lessonOpensAt(l, g), completed, state: completed ? 'done' : open ? 'open' : 'locked' };
}

/** Sections with their lessons' states; an untitled section without lessons (none outside sections) is left out. */
function outlineView(outline: ProductOutline, g: Grant, done: Map<number, Date>, now: Date, currentId: number | null): OutlineView {
  const sections = outline.sections
    .map((s) => ({ title: s.title, lessons: s.lessons.map((l) => ({ ...toLink(l, g, done, now), current: l.id === currentId })) }))
    .filter((s) => s.lessons.length || s.title);
  const total = outline.order.length;
  const doneHere = outline.order.filter((l) => done.has(l.id)).length;
  return { sections, done: doneHere, total, percent: percentOf(doneHere, total) };
}

/** The first open lesson not done yet, in reading order. */
function resumeFrom(order: LessonOutline[], g: Grant, done: Map<number, Date>, now: Date): MyProductView['resume'] {
  const next = order.find((l) => !done.has(l.id) && isLessonOpen(l, g, now));
  return next ? { id: next.id, title: next.title, started: order.some((l) => done.has(l.id)) } : null;
}
