import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database } from '../../database/database.service';
import { cleanFileName, FormParts, saveFormFile } from '../../common/form-upload';
import { FileView, toFileView } from './catalogue.service';
import { FilesRepository } from './files.repository';
import { sniffContentType, SNIFF_BYTES } from './file-sniff';
import { LessonsRepository } from './lessons.repository';

interface Received {
  tmpPath: string;
  originalName: string;
  size: number;
  sha256: string;
  head: Buffer;
}

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

const tooLarge = (max: number) =>
  new AppError('payload_too_large', 'members.file_too_large', 'members.file_too_large_limit', { file: 'members.file_too_large' }, { maxBytes: max, limit: humanBytes(max) });
const noFile = () => AppError.validation({ file: 'members.file_required' });

/**
 * Files attached to lessons. The upload streams from the form straight into a temporary file in
 * FILES_DIR (hashing and counting on the way, never holding the file in memory), and only a complete,
 * in-limit file is renamed to its random storage name and recorded.
 */
@Injectable()
export class UploadsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly lessons: LessonsRepository,
    private readonly files: FilesRepository,
    private readonly audit: AuditService,
  ) {}

  async uploadToLesson(actor: Actor, lessonId: number, form: FormParts): Promise<FileView> {
    const lesson = await this.lessons.findLesson(lessonId);
    if (!lesson) throw AppError.notFound('lesson');
    const got = await this.receive(form);
    if (!got) throw noFile();
    if (got.size === 0) {
      await fs.promises.rm(got.tmpPath, { force: true });
      throw noFile();
    }
    const storageKey = randomBytes(24).toString('hex');
    await fs.promises.rename(got.tmpPath, path.join(this.config.filesDir, storageKey));
    try {
      return await this.db.transaction(async (m) => {
        const f = await this.files.insert(m, {
          productId: lesson.productId,
          lessonId: lesson.id,
          originalName: got.originalName,
          storageKey,
          sizeBytes: got.size,
          contentType: sniffContentType(got.head, got.originalName),
          sha256: got.sha256,
          createdBy: actor.userId,
        });
        await this.audit.record(m, actor, {
          action: 'file.upload',
          subjectType: 'product',
          subjectId: lesson.productId,
          after: { fileId: f.id, lessonId: lesson.id, name: f.originalName, sizeBytes: f.sizeBytes, sha256: f.sha256 },
        });
        return toFileView(f);
      });
    } catch (e) {
      await fs.promises.rm(path.join(this.config.filesDir, storageKey), { force: true });
      throw e;
    }
  }

  /**
   * The form's `file` part, written to a temporary file (hashed and counted on the way, its first bytes kept for
   * sniffing); null when the form had none. Past the size limit, reading stops and the promise fails with 413.
   */
  private async receive(form: FormParts): Promise<Received | null> {
    const max = this.config.maxUploadBytes;
    const hash = createHash('sha256');
    let head = Buffer.alloc(0);
    const got = await saveFormFile(form, {
      dir: this.config.filesDir,
      maxBytes: max,
      fileField: 'file',
      onChunk: (chunk) => {
        hash.update(chunk);
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
      },
      errors: { fileRequired: noFile, tooLarge: () => tooLarge(max), badBody: noFile },
    });
    if (!got.tmpPath) return null;
    return { tmpPath: got.tmpPath, originalName: cleanFileName(got.fileName), size: got.size, sha256: hash.digest('hex'), head };
  }
}
