import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors/app-error';
import { safeEqual } from '../crypto';
import { ctxOf, isMachinePath, pathOf } from './request-context';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every state-changing request from a browser must carry the `_csrf` field (or X-CSRF-Token header).
 * The JSON API (bearer keys, no cookies) and signed webhooks are outside its reach by design.
 */
@Injectable()
export class CsrfMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    const path = pathOf(req);
    if (SAFE.has(req.method) || isMachinePath(path)) return next();
    const ctx = ctxOf(req);
    // A multipart body (file upload) is read by its handler after this check, so its form sends the token in the query.
    const multipart = String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    const fromQuery = multipart && typeof req.query._csrf === 'string' ? req.query._csrf : undefined;
    const sent = String((req.body && typeof req.body === 'object' ? req.body._csrf : undefined) ?? req.headers['x-csrf-token'] ?? fromQuery ?? '');
    if (sent && ctx.csrfToken && safeEqual(sent, ctx.csrfToken)) return next();
    // Logging out with a stale form after the session already ended elsewhere is harmless: let it through.
    if (path === '/logout' && !ctx.user) return next();
    // RFC 8058 one-click unsubscribe: mailbox providers POST with no cookie; the HMAC token in the URL is the authority.
    if (/^\/u\/[^/]+$/.test(path)) return next();
    // The public subscribe form is embedded on other sites; it is throttled per IP and address and has a honeypot instead.
    if (path === '/subscribe' && req.method === 'POST') return next();
    next(new AppError('csrf', 'csrf_invalid', 'errors.csrf'));
  }
}
