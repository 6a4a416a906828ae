import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { cleanFileName, FormParts, saveFormFile } from '../common/form-upload';
import { APP_CONFIG, AppConfig } from '../config/config';
import { sniffContentType, SNIFF_BYTES } from '../members/catalogue/file-sniff';
import type { Servable } from '../members/client-area/file-stream';
import { TicketAttachment } from './entities/ticket.entity';
import { TicketsRepository } from './tickets.repository';

/** A ticket attachment may be this big at most (or MAX_UPLOAD_BYTES, when that is smaller). */
export const TICKET_FILE_MAX_BYTES = 10 * 1024 * 1024;
/** And a ticket has at most this many. */
export const TICKET_FILES_MAX = 20;
/** A file that came whole in memory (a mail's part) up to this size is written synchronously (fromBytes). */
const SYNC_WRITE_MAX = 256 * 1024;
/** A message body may be this long; a multipart form's text fields must fit it too. */
export const TICKET_BODY_MAX = 20_000;

/** A file received with a ticket form, in a temporary file the caller removes (withTempFile). */
export interface TicketUpload {
  tmpPath: string;
  /**
   * Set when the bytes were written straight to their storage name (`tmpPath` is then FILES_DIR/<storageKey>):
   * store() records them without a rename. Files that come whole in memory (a mail's parts) are written so.
   */
  storageKey?: string;
  originalName: string;
  size: number;
  sha256: string;
  head: Buffer;
}

/**
 * Ticket files, stored like lesson files: streamed into a temporary file (hashed, counted, first bytes kept to
 * sniff the type), then renamed to a random name under FILES_DIR and recorded; served only after the access
 * check, as a download, with the sniffed type and nosniff.
 */
@Injectable()
export class TicketAttachments {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tickets: TicketsRepository,
  ) {}

  get maxBytes(): number {
    return Math.min(TICKET_FILE_MAX_BYTES, this.config.maxUploadBytes);
  }

  /** The form's fields and its `file` (null when none was chosen). Past the size limit: 413, nothing kept. */
  async receive(form: FormParts): Promise<{ fields: Record<string, string>; upload: TicketUpload | null }> {
    const hash = createHash('sha256');
    let head = Buffer.alloc(0);
    const max = this.maxBytes;
    const got = await saveFormFile(form, {
      dir: this.config.filesDir,
      maxBytes: max,
      fileField: 'file',
      onChunk: (chunk) => {
        hash.update(chunk);
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
      },
      errors: {
        fileRequired: () => new AppError('bad_request', 'tickets.bad_form', 'tickets.errors.bad_form'),
        tooLarge: () =>
          new AppError('payload_too_large', 'tickets.file_too_large', 'tickets.errors.file_too_large', { file: 'tickets.errors.file_too_large' }, { maxBytes: max }),
        badBody: () => new AppError('bad_request', 'tickets.bad_form', 'tickets.errors.bad_form'),
      },
    });
    // A file input left empty still sends a part, with no name and no bytes.
    if (got.tmpPath && got.size === 0) {
      await fs.promises.rm(got.tmpPath, { force: true });
      return { fields: got.fields, upload: null };
    }
    if (!got.tmpPath) return { fields: got.fields, upload: null };
    return { fields: got.fields, upload: { tmpPath: got.tmpPath, originalName: cleanFileName(got.fileName), size: got.size, sha256: hash.digest('hex'), head } };
  }

  /**
   * A file that came in some other way than a form (a mail's attachment, already in memory): written to a
   * temporary file like an upload, so `store` treats both alike (the same name cleaning, hash and sniffing).
   */
  async fromBytes(name: string, bytes: Buffer): Promise<TicketUpload> {
    // Already whole and hashed here: written once, under the random name it is kept by (no temporary file and
    // rename, and no file-system call inside the transaction that records it). Not recorded = removed by the caller.
    const storageKey = randomBytes(24).toString('hex');
    const tmpPath = path.join(this.config.filesDir, storageKey);
    // A small part is written at once, on this thread: creating the file costs the kernel the same time either
    // way, and the three thread-pool round trips (open, write, close) are what a mail waits for under load (the
    // inbound bench: 15–20% more mail a second). A big one does not hold the event loop that long.
    if (bytes.length <= SYNC_WRITE_MAX) fs.writeFileSync(tmpPath, bytes, { flag: 'wx' });
    else await new Promise<void>((resolve, reject) => fs.writeFile(tmpPath, bytes, { flag: 'wx' }, (e) => (e ? reject(e) : resolve())));
    return {
      tmpPath,
      storageKey,
      originalName: cleanFileName(name),
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      head: Buffer.from(bytes.subarray(0, SNIFF_BYTES)),
    };
  }

  /** Refuses the upload before anything is written when the ticket already has its share of files. */
  async checkRoom(ticketId: number | null): Promise<void> {
    if (ticketId !== null && (await this.tickets.countAttachments(ticketId)) >= TICKET_FILES_MAX) {
      throw AppError.validation({ file: 'tickets.errors.too_many_files' });
    }
  }

  /**
   * Moves the upload to its storage name and records it, in the caller's transaction. Returns a function that
   * removes the stored bytes, for the caller to run if the transaction fails.
   */
  async store(m: EntityManager, upload: TicketUpload, ticketId: number, messageId: number): Promise<{ row: TicketAttachment; undo: () => Promise<void> }> {
    const storageKey = upload.storageKey ?? randomBytes(24).toString('hex');
    const dest = path.join(this.config.filesDir, storageKey);
    if (!upload.storageKey) await fs.promises.rename(upload.tmpPath, dest);
    const undo = () => fs.promises.rm(dest, { force: true });
    try {
      const row = await this.tickets.insertAttachment(m, {
        ticketId,
        messageId,
        originalName: upload.originalName,
        storageKey,
        sizeBytes: upload.size,
        contentType: sniffContentType(upload.head),
        sha256: upload.sha256,
        createdAt: new Date(),
      });
      return { row, undo };
    } catch (e) {
      await undo();
      throw e;
    }
  }

  pathOf(a: TicketAttachment): string {
    return path.join(this.config.filesDir, a.storageKey);
  }

  /** What streamDownload serves for a stored file (after the caller's access check). */
  servable(a: TicketAttachment): Servable {
    return { path: this.pathOf(a), name: a.originalName, size: a.sizeBytes, contentType: a.contentType };
  }
}
