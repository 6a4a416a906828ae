import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, ErrorKind, RedirectTo } from '../errors/app-error';
import { translate } from '../../i18n/i18n';
import { WHOLE_REQUEST_ERRORS } from './input.pipe';
import { Locale } from '../../config/config';
import { ctxOf, FormModel, wantsJson } from './request-context';

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

const NEVER_ECHO = /password|confirm|current|_csrf|token|secret/i;

/**
 * The one place errors become HTTP. Pages get an error page, a login redirect or their form again with the
 * messages; the API gets `{"error":{"code","message","details"}}`. Unknown errors are logged and shown as a
 * bare 500 without internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    this.respond(exception, host.switchToHttp().getRequest<Request>(), host.switchToHttp().getResponse<Response>(), true);
  }

  /** `form`: a failed post may be answered with its form again (not when the form's own page failed to load). */
  private respond(exception: unknown, req: Request, res: Response, form: boolean): void {
    if (exception instanceof RedirectTo && !res.headersSent) {
      res.redirect(303, exception.url);
      return;
    }
    const err = this.normalise(exception);
    if (res.headersSent) {
      res.end();
      return;
    }
    // A 5xx the code raised on purpose (a feature not configured) says why and is only a warning; anything else
    // is a fault: logged with its stack and shown without internals.
    const deliberate = exception instanceof AppError && err.status >= 500;
    if (deliberate) this.logger.warn(`${req.method} ${req.originalUrl}: ${err.code}: ${err.message}`);
    else if (err.status >= 500) this.logger.error(`${req.method} ${req.originalUrl}: ${(exception as Error)?.stack ?? exception}`);
    if (err.kind === 'rate_limited') res.setHeader('Retry-After', String(err.details.retryAfterSeconds ?? 60));

    if (wantsJson(req)) {
      res.status(err.status).json({
        error: {
          code: err.code,
          message: err.status >= 500 && !deliberate ? 'Internal server error' : translate('en', err.message, err.details),
          details: { ...err.details, ...(Object.keys(err.fields).length ? { fields: this.fieldMessages(err.fields, 'en') } : {}) },
        },
      });
      return;
    }

    const ctx = ctxOf(req);
    const locale = ctx?.locale ?? 'en';
    // Errors raised before the context middleware ran still get a usable page.
    res.locals.t ??= (key: string, vars?: Record<string, unknown>) => translate(locale, key, vars);
    res.locals.locale ??= locale;
    if (err.kind === 'unauthenticated' && err.code === 'auth.required' && req.method === 'GET') {
      res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
      return;
    }
    if (typeof err.details.redirect === 'string' && req.method === 'GET') {
      res.redirect(303, err.details.redirect);
      return;
    }
    if (form && ctx?.formView && err.status < 500 && err.kind !== 'csrf' && err.kind !== 'not_found' && !WHOLE_REQUEST_ERRORS.has(err.code)) {
      this.renderForm(ctx.formView, ctx.formModel, err, locale, req, res).catch((e: unknown) => {
        this.logger.error(`${req.method} ${req.originalUrl}: ${(e as Error)?.stack ?? e}`);
        if (!res.headersSent) res.status(500).end();
      });
      return;
    }
    res.status(err.status).render('errors/error', {
      status: err.status,
      title: translate(locale, `errors.title_${err.status}`) ?? '',
      message: translate(locale, err.message, err.details),
      retryAfterMinutes: err.kind === 'rate_limited' ? Math.ceil(Number(err.details.retryAfterSeconds ?? 60) / 60) : null,
    });
  }

  /**
   * The form again, with its page loaded now (a post that succeeds never loads it). If the page cannot be loaded
   * (its record is gone, the database fails), the answer is that failure's, as a GET of the page would give.
   */
  private async renderForm(view: string, load: FormModel | undefined, err: AppError, locale: Locale, req: Request, res: Response): Promise<void> {
    let model: object;
    try {
      model = load ? await load() : {};
    } catch (e) {
      this.respond(e, req, res, false);
      return;
    }
    if (res.headersSent || res.destroyed) return;
    res.status(err.status).render(view, {
      ...(req.params ?? {}),
      ...model,
      errors: this.fieldMessages(err.fields, locale),
      formError: err.kind === 'validation' ? translate(locale, 'errors.fix_fields') : translate(locale, err.message, err.details),
      values: this.safeValues(req.body),
    });
  }

  private normalise(e: unknown): AppError {
    if (e instanceof AppError) return e;
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const kind = KIND_BY_STATUS[status] ?? (status >= 500 ? 'unavailable' : 'bad_request');
      const body = e.getResponse() as { message?: string | string[] } | string;
      const message = typeof body === 'string' ? body : Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? e.message);
      const code = status === 404 ? 'not_found' : status === 401 ? 'unauthenticated' : status === 413 ? 'payload_too_large' : kind;
      const err = new AppError(kind, code, status === 404 ? 'errors.not_found' : message);
      if (status >= 500) Object.defineProperty(err, 'status', { value: status });
      return err;
    }
    // body-parser and friends throw plain errors with a status (malformed JSON, payload too large)
    const s = (e as { status?: number; statusCode?: number })?.status ?? (e as { statusCode?: number })?.statusCode;
    if (typeof s === 'number' && s >= 400 && s < 500) {
      return new AppError(KIND_BY_STATUS[s] ?? 'bad_request', s === 413 ? 'payload_too_large' : 'malformed_request', (e as Error).message);
    }
    const internal = new AppError('unavailable', 'internal_error', 'errors.internal');
    Object.defineProperty(internal, 'status', { value: 500 });
    return internal;
  }

  private fieldMessages(fields: Record<string, string>, locale: Locale): Record<string, string> {
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, translate(locale, v)]));
  }

  private safeValues(body: unknown): Record<string, string> {
    if (!body || typeof body !== 'object') return {};
    return Object.fromEntries(
      Object.entries(body as Record<string, unknown>).filter(([k, v]) => !NEVER_ECHO.test(k) && typeof v === 'string') as [string, string][],
    );
  }
}
