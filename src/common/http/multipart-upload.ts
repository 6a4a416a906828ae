import busboy from 'busboy';
import type { Request } from 'express';
import { isCleanText } from '../text';
import { FormField, FormPart, FormParts, FormReadError } from '../form-upload';
import { csrfError, csrfMatches } from './csrf.middleware';
import { ctxOf } from './request-context';
import { stopReading } from './stop-reading';

/**
 * Runs `fn` (a service that takes a form) with the parts of the request's multipart/form-data body, read as `fn`
 * asks for them. When `fn` is done, whether it read everything or gave up (a file over its limit, a record that
 * is not there), the rest of the body is never read: see stopReading.
 *
 * A browser's form must carry its `_csrf` field before the file (the hidden input first in the form, as browsers
 * send fields in document order): a file part before a valid token, or a form without one, is refused with 403
 * before `fn` sees a single part, and nothing of the file is read. See CsrfMiddleware.
 */
export async function withMultipartForm<T>(req: Request, fn: (form: FormParts) => Promise<T>, limits: { fieldSize?: number } = {}): Promise<T> {
  const form = new MultipartParts(req, { ...LIMITS, ...limits });
  try {
    return await fn(form);
  } finally {
    form.stop();
  }
}

/** Fields limits: a form with a file has a handful of small fields besides it. */
const LIMITS = { files: 1, fields: 20, fieldSize: 4096 };

class MultipartParts implements FormParts {
  readonly declaredBytes: number | null;
  private readonly isMultipart: boolean;
  private bb: busboy.Busboy | null = null;
  private readonly queue: FormPart[] = [];
  /** Fields that came before the CSRF token: handed out only once it has been checked. */
  private held: FormField[] = [];
  /** Names of the fields taken so far. */
  private readonly seen = new Set<string>();
  private csrfPending: boolean;
  private failure: Error | null = null;
  private ended = false;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly req: Request,
    private readonly limits: typeof LIMITS,
  ) {
    this.isMultipart = String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    const declared = Number(req.headers['content-length'] ?? NaN);
    this.declaredBytes = this.isMultipart && Number.isFinite(declared) ? declared : null;
    this.csrfPending = !!ctxOf(req)?.csrfInBody;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<FormPart> {
    this.start();
    let file: FormPart | null = null;
    for (;;) {
      // A file the reader did not read is skipped, so the parts after it can come.
      if (file?.kind === 'file' && file.stream.readableFlowing === null) file.stream.resume();
      if (this.failure) throw this.failure;
      file = this.queue.shift() ?? null;
      if (file) {
        yield file;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Stops taking in the body (unless it is all in). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.bb) {
      this.req.unpipe(this.bb);
      if (!this.ended) this.bb.destroy(this.failure ?? new FormReadError('gone', 'the form was not read to its end'));
    }
    stopReading(this.req);
  }

  private start(): void {
    if (this.bb || this.failure || this.stopped) return;
    if (!this.isMultipart) return this.fail(new FormReadError('not_a_form'));
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: this.req.headers, defParamCharset: 'utf8', limits: this.limits });
    } catch {
      return this.fail(new FormReadError('not_a_form'));
    }
    this.bb = bb;
    const token = ctxOf(this.req)?.csrfToken;
    bb.on('field', (name, value) => {
      // The same rules as every other form (InputPipe): each field once, and text that is text.
      if (name !== '_csrf' && this.seen.has(name)) return this.fail(new FormReadError('malformed', `the field "${name.slice(0, 100)}" was sent more than once`));
      if (!isCleanText(name) || !isCleanText(value)) return this.fail(new FormReadError('malformed', `the field "${name.slice(0, 100)}" is not text`));
      this.seen.add(name);
      if (name === '_csrf') {
        if (this.csrfPending && csrfMatches(value, token)) {
          this.csrfPending = false;
          this.push(...this.held);
          this.held = [];
        }
        return;
      }
      if (this.csrfPending) this.held.push({ kind: 'field', name, value });
      else this.push({ kind: 'field', name, value });
    });
    bb.on('file', (name, stream, info) => {
      // Its failures are the form's, reported through busboy's 'error' (and to whoever reads the stream).
      stream.on('error', () => undefined);
      if (this.csrfPending) {
        stream.resume();
        return this.fail(csrfError());
      }
      this.push({ kind: 'file', name, filename: info.filename ?? '', stream });
    });
    bb.on('error', (e) => this.fail(e instanceof FormReadError ? e : new FormReadError('malformed', (e as Error).message)));
    bb.on('close', () => {
      if (this.csrfPending) return this.fail(csrfError());
      this.ended = true;
      this.notify();
    });
    // A sender that goes away mid-form must not leave the reader (and its request) waiting.
    this.req.once('aborted', () => this.fail(new FormReadError('gone')));
    this.req.pipe(bb);
  }

  private push(...parts: FormPart[]): void {
    this.queue.push(...parts);
    this.notify();
  }

  private fail(e: Error): void {
    if (this.failure || this.ended) return;
    this.failure = e;
    // The file being read, if any, fails with the form (busboy destroys it with the error).
    this.stop();
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
