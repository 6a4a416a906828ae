import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { FormParts, saveFormFile, withTempFile } from '../../common/form-upload';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database } from '../../database/database.service';
import { Role, STAFF_ROLES } from '../../users/entities/user.entity';
import { AccessService } from '../access/access.service';
import { COVER_MAX_BYTES, COVER_SNIFF_BYTES, CoverType, sniffCoverType } from './cover-image';
import { coverUrl, coverVersion, CoversRepository } from './covers.repository';
import { ProductCover } from './entities/product-cover.entity';
import { ProductsRepository } from './products.repository';

/** The cover as the admin's product page shows it. */
export interface CoverView {
  url: string;
  contentType: CoverType;
  sizeBytes: number;
  createdAt: Date;
}

export const toCoverView = (c: ProductCover): CoverView => ({ url: coverUrl(c), contentType: c.contentType, sizeBytes: c.sizeBytes, createdAt: c.createdAt });

/** A cover to send: where its bytes are and what they are. */
export interface ServableCover {
  path: string;
  contentType: CoverType;
  size: number;
  /** Changes with every new image: the ETag, and the `v` of its address. */
  version: string;
}

const noCover = () => AppError.validation({ cover: 'player.cover_required' });
const notImage = () => new AppError('unsupported_media_type', 'player.cover_not_image', 'player.cover_not_image', { cover: 'player.cover_not_image' });
const tooLarge = (max: number) =>
  new AppError('payload_too_large', 'player.cover_too_large', 'player.cover_too_large', { cover: 'player.cover_too_large_short' }, { limit: Number((max / 1048576).toFixed(1)) });

/**
 * Product covers: staff upload one image per product (JPEG, PNG, WebP or GIF, judged by its bytes), stored like
 * lesson files under FILES_DIR with a random name; clients who have the product, and staff, see it.
 */
@Injectable()
export class CoversService {
  private readonly logger = new Logger(CoversService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly products: ProductsRepository,
    private readonly covers: CoversRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async upload(actor: Actor, productId: number, form: FormParts): Promise<void> {
    if (!(await this.products.findById(productId))) throw AppError.notFound('product');
    const max = Math.min(COVER_MAX_BYTES, this.config.maxUploadBytes);
    let head = Buffer.alloc(0);
    const got = await saveFormFile(form, {
      dir: this.config.filesDir,
      maxBytes: max,
      fileField: 'cover',
      onChunk: (chunk) => {
        if (head.length < COVER_SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, COVER_SNIFF_BYTES - head.length)]);
      },
      errors: { fileRequired: noCover, tooLarge: () => tooLarge(max), badBody: noCover },
    });
    const replaced = await withTempFile(got.tmpPath, async (tmpPath) => {
      if (!tmpPath || got.size === 0) throw noCover();
      const contentType = sniffCoverType(head);
      if (!contentType) throw notImage();
      const storageKey = randomBytes(24).toString('hex');
      const stored = path.join(this.config.filesDir, storageKey);
      await fs.promises.rename(tmpPath, stored);
      try {
        return await this.db.transaction(async (m) => {
          const before = await this.covers.replace(m, { productId, storageKey, contentType, sizeBytes: got.size, createdBy: actor.userId });
          await this.audit.record(m, actor, {
            action: 'product.cover_set',
            subjectType: 'product',
            subjectId: productId,
            before: before ? { contentType: before.contentType, sizeBytes: before.sizeBytes } : undefined,
            after: { contentType, sizeBytes: got.size },
          });
          return before;
        });
      } catch (e) {
        await fs.promises.rm(stored, { force: true });
        throw e;
      }
    });
    if (replaced) await this.removeBlob(replaced.storageKey);
  }

  async remove(actor: Actor, productId: number): Promise<void> {
    if (!(await this.products.findById(productId))) throw AppError.notFound('product');
    const removed = await this.db.transaction(async (m) => {
      const before = await this.covers.remove(m, productId);
      if (before) {
        await this.audit.record(m, actor, {
          action: 'product.cover_remove',
          subjectType: 'product',
          subjectId: productId,
          before: { contentType: before.contentType, sizeBytes: before.sizeBytes },
        });
      }
      return before;
    });
    if (removed) await this.removeBlob(removed.storageKey);
  }

  /**
   * The cover for whoever asks: staff see any product's; a client only that of a product they have now (the
   * same check as its lessons), and otherwise the same 404 as a product without a cover.
   */
  async forViewer(viewer: { id: number; role: Role }, productId: number, now = new Date()): Promise<ServableCover> {
    if (!STAFF_ROLES.includes(viewer.role)) await this.access.requireGrant(viewer.id, productId, now);
    const c = await this.covers.find(productId);
    if (!c) throw AppError.notFound('cover');
    return { path: path.join(this.config.filesDir, c.storageKey), contentType: c.contentType, size: c.sizeBytes, version: coverVersion(c) };
  }

  /** After the commit: a file that cannot be removed is only wasted space, never a reason to fail the request. */
  private async removeBlob(storageKey: string): Promise<void> {
    await fs.promises.rm(path.join(this.config.filesDir, storageKey), { force: true }).catch((e: Error) => this.logger.warn(`could not remove cover ${storageKey}: ${e.message}`));
  }
}
