/**
 * Domain errors carry a code; one filter turns the code into HTTP, so services never speak HTTP.
 * `fields` names every bad input (field → message key or text) for forms and API bodies alike.
 */
export type ErrorKind =
  | 'validation'
  | 'bad_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'csrf'
  | 'not_found'
  | 'gone'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf: 403,
  not_found: 404,
  gone: 410,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
};

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Stable machine code, e.g. `auth.invalid_credentials`. */
    readonly code: string,
    /** An i18n key (looked up for pages) or plain text. */
    message: string,
    readonly fields: Record<string, string> = {},
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }

  static validation(fields: Record<string, string>, message = 'errors.validation'): AppError {
    return new AppError('validation', 'validation_failed', message, fields);
  }

  static notFound(what = 'resource'): AppError {
    return new AppError('not_found', 'not_found', 'errors.not_found', {}, { what });
  }

  static forbidden(code = 'forbidden'): AppError {
    return new AppError('forbidden', code, 'errors.forbidden');
  }

  static rateLimited(retryAfterSeconds: number): AppError {
    return new AppError('rate_limited', 'rate_limited', 'errors.rate_limited', {}, { retryAfterSeconds });
  }
}

/** Not an error: "this page does not apply to you, go there" (e.g. /login when already logged in). */
export class RedirectTo {
  constructor(readonly url: string) {}
}
