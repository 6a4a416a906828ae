import busboy from 'busboy';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isCleanText } from '../text';
import { csrfError, csrfMatches } from './csrf.middleware';
import { ctxOf } from './request-context';
import { MULTIPART_SLACK, stopReading } from './stop-reading';

export interface ReceivedUpload {
  fields: Record<string, string>;
  /** The uploaded file on disk; null when the form had none. */
  tmpPath: string | null;
  /** The file part's name as the browser sent it (untrusted), and its size in bytes. */
  fileName: string;
  size: number;
}

export interface UploadOptions {
  /** Where the temporary file goes (created if missing). */
  dir: string;
  /** The file part's limit; the request's Content-Length may exceed it by MULTIPART_SLACK. */
  maxBytes: number;
  /** The form field that carries the file; any other file part is skipped. */
  fileField: string;
  /** Sees each chunk of the file as it is written (to hash it, or keep its first bytes). */
  onChunk?: (chunk: Buffer) => void;
  /** The caller's own errors, so each feature keeps its codes and messages. */
  errors: {
    /** Not a multipart body, an unreadable one, or a client gone mid-upload. */
    fileRequired: () => Error;
    /** Declared or actual size over `maxBytes`. */
    tooLarge: () => Error;
    /** The multipart body itself is malformed (busboy's message as detail). */
    badBody: (detail: string) => Error;
  };
}

/**
 * Receives a multipart form: its fields, and its file part streamed to a temporary file in `dir`. The form's
 * fields may come in any order, so the file is saved first (never held in memory) and the caller reads it once
 * the whole form is in. A declared length that cannot fit is refused before a byte of the body is read; the
 * moment the file passes the limit, reading stops and the partial file is removed. The caller owns the file
 * afterwards: see `withTempFile`.
 *
 * A browser's form must carry its `_csrf` field before the file (the hidden input first in the form, as browsers
 * send fields in document order): a file part before a valid token, or a form without one, is refused with 403
 * and nothing is written. See CsrfMiddleware.
 */
export async function receiveUpload(req: Request, opts: UploadOptions): Promise<ReceivedUpload> {
  const { fileRequired, tooLarge } = opts.errors;
  if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) throw fileRequired();
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > opts.maxBytes + MULTIPART_SLACK) {
    stopReading(req);
    throw tooLarge();
  }
  return receive(req, opts);
}

/** Runs `fn` with the temporary file (null when the form had none), then deletes the file whatever happened. */
export async function withTempFile<T>(tmpPath: string | null, fn: (tmpPath: string | null) => Promise<T>): Promise<T> {
  try {
    return await fn(tmpPath);
  } finally {
    if (tmpPath) await fs.promises.rm(tmpPath, { force: true });
  }
}

async function receive(req: Request, { dir, maxBytes: max, fileField, onChunk, errors }: UploadOptions): Promise<ReceivedUpload> {
  await fs.promises.mkdir(dir, { recursive: true });
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch {
      reject(errors.fileRequired());
      return;
    }
    const fields: Record<string, string> = {};
    const ctx = ctxOf(req);
    let csrfPending = !!ctx?.csrfInBody;
    let tmpPath: string | null = null;
    let fileName = '';
    let size = 0;
    let out: fs.WriteStream | null = null;
    let written: Promise<void> | null = null;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      stopReading(req);
      out?.destroy();
      (tmpPath ? fs.promises.rm(tmpPath, { force: true }) : Promise.resolve()).finally(() => reject(e));
    };
    bb.on('field', (name, value) => {
      // The same rules as every other form (InputPipe): each field once, and text that is text.
      if (name !== '_csrf' && Object.hasOwn(fields, name)) return fail(errors.badBody(`the field "${name.slice(0, 100)}" was sent more than once`));
      if (!isCleanText(name) || !isCleanText(value)) return fail(errors.badBody(`the field "${name.slice(0, 100)}" is not text`));
      if (name !== '_csrf') fields[name] = value;
      else if (csrfPending && csrfMatches(value, ctx.csrfToken)) csrfPending = false;
    });
    bb.on('file', (name, stream, info) => {
      if (csrfPending) {
        stream.resume();
        return fail(csrfError());
      }
      if (name !== fileField || written || failed) {
        stream.resume();
        return;
      }
      tmpPath = path.join(dir, `.upload-${randomBytes(12).toString('hex')}`);
      fileName = info.filename ?? '';
      const o = (out = fs.createWriteStream(tmpPath, { flags: 'wx' }));
      written = new Promise<void>((res, rej) => {
        stream.on('data', (chunk: Buffer) => {
          if (failed) return;
          size += chunk.length;
          if (size > max) return rej(errors.tooLarge());
          onChunk?.(chunk);
          if (!o.write(chunk)) {
            stream.pause();
            o.once('drain', () => stream.resume());
          }
        });
        stream.on('error', rej);
        o.on('error', rej);
        stream.on('end', () => {
          if (!failed) o.end(() => res());
        });
      });
      written.catch(fail);
    });
    bb.on('error', (e) => fail(errors.badBody((e as Error).message)));
    bb.on('close', () => {
      if (failed) return;
      if (csrfPending) return fail(csrfError());
      if (!written) return resolve({ fields, tmpPath: null, fileName, size });
      written.then(() => resolve({ fields, tmpPath, fileName, size }), fail);
    });
    // A client that goes away mid-upload must not leave this promise (and its request) hanging.
    req.once('aborted', () => fail(errors.fileRequired()));
    req.pipe(bb);
  });
}
