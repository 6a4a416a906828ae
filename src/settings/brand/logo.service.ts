import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Actor } from '../../audit/actor';
import { AppError } from '../../common/errors/app-error';
import { FormParts, saveFormFile } from '../../common/form-upload';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database } from '../../database/database.service';
import { sniffRasterImage, SNIFF_BYTES } from '../../members/catalogue/file-sniff';
import { SettingsService } from '../settings.service';
import { SiteFilesRepository } from './site-files.repository';

/** A logo is shown at 40 px high: 1 MB is plenty, and it is fetched with every mail opened. */
export const LOGO_MAX_BYTES = 1024 * 1024;

/** Raster images only: an SVG may carry scripts, and it is served from our origin. */
export const LOGO_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** The type of an image from its first bytes (the file name and the browser's claim are never asked). */
export function sniffLogoType(head: Buffer): string | null {
  return sniffRasterImage(head);
}

const noFile = () => AppError.validation({ logo: 'brand.logo_required' });
const notAnImage = () => AppError.validation({ logo: 'brand.logo_not_image' });
const tooLarge = () => new AppError('payload_too_large', 'brand.logo_too_large', 'brand.logo_too_large', { logo: 'brand.logo_too_large' });

export interface LogoFile {
  path: string;
  contentType: string;
  sizeBytes: number;
  etag: string;
}

/**
 * The school's logo: uploaded on the settings page, stored like lesson files (a random name under FILES_DIR,
 * outside the web root) with a row in site_files, and named by the `logoFileId` setting. Replacing or removing it
 * deletes the old file: mails sent with it show their alt text (the school's name) from then on.
 */
@Injectable()
export class LogoService {
  private readonly logger = new Logger('Logo');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly files: SiteFilesRepository,
    private readonly settings: SettingsService,
  ) {}

  async upload(actor: Actor, form: FormParts): Promise<void> {
    const hash = createHash('sha256');
    let head = Buffer.alloc(0);
    const got = await saveFormFile(form, {
      dir: this.config.filesDir,
      maxBytes: LOGO_MAX_BYTES,
      fileField: 'logo',
      onChunk: (chunk) => {
        hash.update(chunk);
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
      },
      errors: { fileRequired: noFile, tooLarge, badBody: noFile },
    });
    if (!got.tmpPath) throw noFile();
    const contentType = got.size ? sniffLogoType(head) : null;
    if (!contentType) {
      await fs.promises.rm(got.tmpPath, { force: true });
      throw got.size ? notAnImage() : noFile();
    }
    const storageKey = randomBytes(24).toString('hex');
    const stored = path.join(this.config.filesDir, storageKey);
    await fs.promises.rename(got.tmpPath, stored);
    const previous = (await this.settings.current()).logoFileId;
    let fileId: number;
    try {
      const f = await this.db.transaction((m) =>
        this.files.insert(m, { kind: 'logo', storageKey, contentType, sizeBytes: got.size, sha256: hash.digest('hex'), createdBy: actor.userId }),
      );
      fileId = f.id;
      // Audited there as settings.updated (logoFileId before → after).
      await this.settings.update(actor, { logoFileId: String(fileId) });
    } catch (e) {
      await fs.promises.rm(stored, { force: true });
      throw e;
    }
    await this.discard(previous);
  }

  async remove(actor: Actor): Promise<void> {
    const previous = (await this.settings.current()).logoFileId;
    await this.settings.update(actor, { logoFileId: '' });
    await this.discard(previous);
  }

  /** The logo with this id, for the public route; null when there is none (replaced, removed, never was). */
  async file(id: number): Promise<LogoFile | null> {
    const f = await this.files.findOne('logo', id);
    if (!f) return null;
    return { path: path.join(this.config.filesDir, f.storageKey), contentType: f.contentType, sizeBytes: f.sizeBytes, etag: `"${f.sha256.slice(0, 32)}"` };
  }

  /** The row first, then the bytes (a row without bytes would answer 500; bytes without a row are only waste). */
  private async discard(fileId: string): Promise<void> {
    if (!fileId) return;
    const f = await this.files.findOne('logo', Number(fileId));
    if (!f) return;
    await this.db.transaction((m) => this.files.remove(m, f.id));
    await fs.promises.rm(path.join(this.config.filesDir, f.storageKey), { force: true }).catch((e: unknown) => this.logger.warn(`could not delete ${f.storageKey}: ${e}`));
  }
}
