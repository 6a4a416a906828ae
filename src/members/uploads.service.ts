import { Inject, Injectable } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
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
  truncated: boolean;
}

const tooLarge = (max: number) =>
  new AppError('bad_request', 'members.file_too_large', 'members.file_too_large', { file: 'members.file_too_large' }, { maxBytes: max });
const noFile = () => AppError.validation({ file: 'members.file_required' });

/** Safe as a Content-Disposition name and readable in a list: no paths, no control characters. */
function cleanName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'file').slice(0, 255);
}

/**
 * Files attached to lessons. The upload streams from the request straight into a temporary file in
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

  async uploadToLesson(actor: Actor, lessonId: number, req: Request): Promise<FileView> {
    const lesson = await this.lessons.findLesson(lessonId);
    if (!lesson) throw AppError.notFound('lesson');
    if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) throw noFile();

    const got = await this.receive(req);
    if (!got) throw noFile();
    if (got.truncated) {
      await fs.promises.rm(got.tmpPath, { force: true });
      throw tooLarge(this.config.maxUploadBytes);
    }
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
          contentType: sniffContentType(got.head),
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

  /** The first file part of the request, written to a temporary file; null when the form had none. */
  private async receive(req: Request): Promise<Received | null> {
    await fs.promises.mkdir(this.config.filesDir, { recursive: true });
    return new Promise<Received | null>((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fileSize: this.config.maxUploadBytes, fields: 20, fieldSize: 4096 } });
      } catch {
        return reject(AppError.validation({ file: 'members.file_required' }));
      }
      let pending: Promise<Received> | null = null;
      let failed = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        req.unpipe(bb);
        req.resume();
        reject(e);
      };

      bb.on('file', (_name, stream, info) => {
        if (pending) return stream.resume();
        const tmpPath = path.join(this.config.filesDir, `.upload-${randomBytes(12).toString('hex')}`);
        const out = fs.createWriteStream(tmpPath, { flags: 'wx' });
        const hash = createHash('sha256');
        let size = 0;
        let head = Buffer.alloc(0);
        let truncated = false;
        pending = new Promise<Received>((res, rej) => {
          const abort = (e: unknown) => {
            out.destroy();
            fs.promises.rm(tmpPath, { force: true }).finally(() => rej(e));
          };
          stream.on('data', (chunk: Buffer) => {
            if (truncated) return;
            hash.update(chunk);
            size += chunk.length;
            if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
            if (!out.write(chunk)) {
              stream.pause();
              out.once('drain', () => stream.resume());
            }
          });
          // Past the limit busboy discards the rest; the partial file is removed by the caller.
          stream.on('limit', () => {
            truncated = true;
          });
          stream.on('error', abort);
          out.on('error', abort);
          stream.on('end', () => {
            out.end(() => res({ tmpPath, originalName: cleanName(info.filename ?? ''), size, sha256: hash.digest('hex'), head, truncated }));
          });
        });
        pending.catch(fail);
      });
      bb.on('error', fail);
      bb.on('close', () => {
        if (failed) return;
        if (!pending) return resolve(null);
        pending.then(resolve, fail);
      });
      req.on('aborted', () => fail(new AppError('bad_request', 'members.upload_aborted', 'members.upload_aborted')));
      req.pipe(bb);
    });
  }
}
