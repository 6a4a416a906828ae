import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { safeEqual } from '../crypto';
import { ctxOf, isMachinePath, pathOf } from './request-context';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export const csrfError = () => new AppError('csrf', 'csrf_invalid', 'errors.csrf');

/** The token sent matches the browser's (both non-empty). */
export function csrfMatches(sent: string, expected: string): boolean {
  return !!sent && !!expected && safeEqual(sent, expected);
}

/**
 * Every state-changing request from a browser must carry the `_csrf` field (or X-CSRF-Token header).
 * The JSON API (bearer keys, no cookies) and signed webhooks are outside its reach by design.
 *
 * A multipart body (a file upload) is read by its handler, after this: its `_csrf` field is checked there, as the
 * first part of the form, before the file (`withMultipartForm`). The token never travels in the URL, where it would
 * end up in access logs and history.
 */
@Injectable()
export class CsrfMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    const path = pathOf(req);
    if (SAFE.has(req.method) || isMachinePath(path)) return next();
    const ctx = ctxOf(req);
    const sent = String((req.body && typeof req.body === 'object' ? req.body._csrf : undefined) ?? req.headers['x-csrf-token'] ?? '');
    if (csrfMatches(sent, ctx.csrfToken)) return next();
    // Logging out with a stale form after the session already ended elsewhere is harmless: let it through.
    if (path === '/logout' && !ctx.user) return next();
    // RFC 8058 one-click unsubscribe: mailbox providers POST with no cookie; the HMAC token in the URL is the authority.
    if (/^\/u\/[^/]+$/.test(path)) return next();
    // The public subscribe form is embedded on other sites; it is throttled per IP and address and has a honeypot instead.
    if (path === '/subscribe' && req.method === 'POST') return next();
    if (String(req.headers['content-type'] ?? '').startsWith('multipart/form-data') && !req.headers['x-csrf-token']) {
      ctx.csrfInBody = true;
      return next();
    }
    next(csrfError());
  }
}
