import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';

/** A form's text field. */
export interface FormField {
  kind: 'field';
  name: string;
  value: string;
}

/** A form's file, as a stream of its bytes. Read it to the end, or `resume()` it to skip it, before asking for the next part. */
export interface FormFile {
  kind: 'file';
  name: string;
  /** As the sender named it (untrusted). */
  filename: string;
  stream: Readable;
}

export type FormPart = FormField | FormFile;

/**
 * A submitted form, part by part in the order the sender wrote them, each taken in as it is asked for (nothing is
 * read ahead). Whoever hands these out (see `withMultipartForm`) stops taking in the rest once the reader is
 * done, whether it read everything or gave up half-way.
 */
export interface FormParts extends AsyncIterable<FormPart> {
  /** The size the sender announced for the whole form, when it did; any file in it is smaller. */
  readonly declaredBytes: number | null;
}

/** The form could not be read: `not_a_form` (not a form with files), `malformed` (a broken body), `gone` (the sender left half-way). */
export class FormReadError extends Error {
  constructor(
    readonly reason: 'not_a_form' | 'malformed' | 'gone',
    detail?: string,
  ) {
    super(detail ?? reason);
  }
}

/** Room for the form's envelope (boundary lines, part headers) around the file when judging a declared size. */
export const FORM_ENVELOPE_BYTES = 64 * 1024;

export interface ReceivedUpload {
  fields: Record<string, string>;
  /** The uploaded file on disk; null when the form had none. */
  tmpPath: string | null;
  /** The file part's name as the sender wrote it (untrusted), and its size in bytes. */
  fileName: string;
  size: number;
}

export interface UploadOptions {
  /** Where the temporary file goes (created if missing). */
  dir: string;
  /** The file's limit; the form's declared size may exceed it by FORM_ENVELOPE_BYTES. */
  maxBytes: number;
  /** The form field that carries the file; any other file part is skipped. */
  fileField: string;
  /** Sees each chunk of the file as it is written (to hash it, or keep its first bytes). */
  onChunk?: (chunk: Buffer) => void;
  /** The caller's own errors, so each feature keeps its codes and messages. */
  errors: {
    /** Not a form with files, or a sender gone mid-upload. */
    fileRequired: () => Error;
    /** Declared or actual size over `maxBytes`. */
    tooLarge: () => Error;
    /** The form itself is malformed (the parser's message as detail). */
    badBody: (detail: string) => Error;
  };
}

/**
 * Receives a form: its fields, and its file streamed to a temporary file in `dir`. The fields may come in any
 * order, so the file is saved first (never held in memory) and the caller reads it once the whole form is in. A
 * declared size that cannot fit is refused before a part is asked for; the moment the file passes the limit,
 * reading stops and the partial file is removed before the error is thrown. The caller owns the file afterwards:
 * see `withTempFile`.
 */
export async function saveFormFile(form: FormParts, opts: UploadOptions): Promise<ReceivedUpload> {
  const { errors } = opts;
  if (form.declaredBytes !== null && form.declaredBytes > opts.maxBytes + FORM_ENVELOPE_BYTES) throw errors.tooLarge();
  await fs.promises.mkdir(opts.dir, { recursive: true });
  const fields: Record<string, string> = {};
  let saved: { tmpPath: string; fileName: string; size: number } | null = null;
  try {
    for await (const part of form) {
      if (part.kind === 'field') fields[part.name] = part.value;
      else if (part.name !== opts.fileField || saved) part.stream.resume();
      else saved = await saveFile(part, opts);
    }
  } catch (e) {
    if (saved) await fs.promises.rm(saved.tmpPath, { force: true });
    if (!(e instanceof FormReadError)) throw e;
    throw e.reason === 'malformed' ? errors.badBody(e.message) : errors.fileRequired();
  }
  return { fields, tmpPath: saved?.tmpPath ?? null, fileName: saved?.fileName ?? '', size: saved?.size ?? 0 };
}

/** Runs `fn` with the temporary file (null when the form had none), then deletes the file whatever happened. */
export async function withTempFile<T>(tmpPath: string | null, fn: (tmpPath: string | null) => Promise<T>): Promise<T> {
  try {
    return await fn(tmpPath);
  } finally {
    if (tmpPath) await fs.promises.rm(tmpPath, { force: true });
  }
}

/** The file part into a new temporary file; past `maxBytes`, reading stops and the partial file is removed. */
async function saveFile(part: FormFile, { dir, maxBytes, onChunk, errors }: UploadOptions) {
  const tmpPath = path.join(dir, `.upload-${randomBytes(12).toString('hex')}`);
  const out = fs.createWriteStream(tmpPath, { flags: 'wx' });
  const file = part.stream;
  let size = 0;
  let failed = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: unknown) => {
        failed = true;
        file.pause();
        reject(e);
      };
      file.on('data', (chunk: Buffer) => {
        if (failed) return;
        size += chunk.length;
        if (size > maxBytes) return fail(errors.tooLarge());
        onChunk?.(chunk);
        if (!out.write(chunk)) {
          file.pause();
          out.once('drain', () => failed || file.resume());
        }
      });
      // The part's own stream fails only when the form does (cut short, sender gone): that is the form's error.
      file.on('error', (e) => fail(e instanceof FormReadError ? e : new FormReadError('malformed', e.message)));
      out.on('error', fail);
      file.on('end', () => failed || out.end(() => resolve()));
    });
  } catch (e) {
    out.destroy();
    await fs.promises.rm(tmpPath, { force: true });
    throw e;
  }
  return { tmpPath, fileName: part.filename, size };
}

/** Safe as a Content-Disposition name and readable in a list: no paths, no control characters. */
export function cleanFileName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'file').slice(0, 255);
}
