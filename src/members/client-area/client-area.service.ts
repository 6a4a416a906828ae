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

export interface MyProductView {
  slug: string;
  title: string;
  description: string | null;
  endsAt: Date | null;
  lessonsOpen: number;
  lessonsTotal: number;
}

export interface LessonLinkView {
  id: number;
  title: string;
  open: boolean;
  /** When a locked lesson opens. */
  opensAt: Date | null;
}

export interface ClientProductView {
  product: { slug: string; title: string; description: string | null };
  endsAt: Date | null;
  sections: { title: string | null; lessons: LessonLinkView[] }[];
}

export interface ClientLessonView {
  product: { slug: string; title: string };
  lesson: { id: number; title: string; bodyHtml: string };
  files: (FileView & { url: string; directUrl: string; directExpiresAt: Date })[];
  prev: LessonLinkView | null;
  next: LessonLinkView | null;
}

/**
 * The client's side of the members' area. Every method starts with the access check (AccessService), and
 * anything the client may not see — another client's, never granted, revoked, expired, not yet open — is a 404.
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
  ) {}

  async myProducts(clientId: number, now = new Date()): Promise<MyProductView[]> {
    const grants = await this.grants.listAccessForClient(clientId, now);
    const ids = grants.map((g) => g.productId);
    const [products, outlines] = await Promise.all([this.products.findByIds(ids), this.lessons.outlinesForProducts(ids)]);
    const byProduct = new Map(grants.map((g) => [g.productId, g]));
    return products
      .map((p) => {
        const g = byProduct.get(p.id)!;
        const lessons = outlines.filter((l) => l.productId === p.id);
        return {
          slug: p.slug,
          title: p.title,
          description: p.description,
          endsAt: g.endsAt,
          lessonsOpen: lessons.filter((l) => isLessonOpen(l, g, now)).length,
          lessonsTotal: lessons.length,
        };
      })
      .sort((a, b) => a.title.localeCompare(b.title));
  }

  async product(clientId: number, slug: string, now = new Date()): Promise<ClientProductView> {
    const p = await this.products.findBySlug(slug);
    if (!p) throw AppError.notFound('product');
    const g = await this.access.requireGrant(clientId, p.id, now);
    const outline = await this.loadOutline(p.id);
    const sections = outline.sections.map((s) => ({ title: s.title, lessons: s.lessons.map((l) => toLink(l, g, now)) }));
    return { product: { slug: p.slug, title: p.title, description: p.description }, endsAt: g.endsAt, sections: sections.filter((s) => s.lessons.length || s.title) };
  }

  /**
   * The busiest page of the area, so four small reads: the lesson with its product, the access check, the
   * lesson's files, and the product's outline for prev/next — the last from OutlineCache while the product's
   * catalogue is unchanged.
   */
  async lesson(clientId: number, lessonId: number, now = new Date()): Promise<ClientLessonView> {
    const l = await this.lessons.findForReading(lessonId);
    if (!l) throw AppError.notFound('lesson');
    const g = await this.access.requireOpenLesson(clientId, l, now);
    const [files, outline] = await Promise.all([
      this.files.listForLesson(l.id),
      this.outlines.get(l.productId, l.outlineVersion, () => this.loadOutline(l.productId)),
    ]);
    // Reading order follows the product page: lessons outside a section first, then section by section.
    const ordered = outline.order;
    const i = outline.indexOf.get(l.id) ?? -1;
    const expires = Math.floor(now.getTime() / 1000) + this.config.signedLinkTtlHours * 3600;
    const directExpiresAt = new Date(expires * 1000);
    return {
      product: { slug: l.product.slug, title: l.product.title },
      lesson: { id: l.id, title: l.title, bodyHtml: l.bodyHtml },
      files: files.map((f) => ({
        ...toFileView(f),
        url: `/account/files/${f.id}`,
        directUrl: this.signedPath(f.id, clientId, expires),
        directExpiresAt,
      })),
      prev: i > 0 ? toLink(ordered[i - 1], g, now) : null,
      next: i >= 0 && i < ordered.length - 1 ? toLink(ordered[i + 1], g, now) : null,
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

function toLink(l: LessonOutline, g: Grant, now: Date): LessonLinkView {
  const open = isLessonOpen(l, g, now);
  return { id: l.id, title: l.title, open, opensAt: open ? null : lessonOpensAt(l, g) };
}
