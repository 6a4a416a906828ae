import type { Request } from 'express';
import type { ApiKeyView } from '../../auth/api-keys/api-keys.service';
import type { Session } from '../../auth/entities/session.entity';
import type { Actor } from '../../audit/actor';
import type { Locale } from '../../config/config';
import type { User } from '../../users/entities/user.entity';

/** What the middlewares learn about a request; controllers read it through decorators, never from globals. */
export interface RequestContext {
  user: User | null;
  session: Session | null;
  apiKey: ApiKeyView | null;
  locale: Locale;
  /** The zone every date is shown and read in: the user's own, else the site zone (an API call: the site zone). */
  timeZone: string;
  csrfToken: string;
  /**
   * A multipart form (file upload) whose `_csrf` field is still unread: the CSRF middleware cannot read the body,
   * so it lets the request on to a handler marked @MultipartForm (any other handler refuses it), and
   * `withMultipartForm` checks the field before it takes a byte of the file.
   */
  csrfInBody?: boolean;
  ip: string;
  userAgent: string;
  /** Set by @FormView: the template a failed form post is rendered with again. */
  formView?: string;
  /**
   * Loads what that form's template needs besides the messages and typed values (the page itself: lists,
   * options, the record being edited). Only the exception filter calls it, and only when it renders the form
   * again, so a post that succeeds never loads the page it leaves.
   */
  formModel?: FormModel;
}

export type FormModel = () => Promise<object> | object;

export type AppRequest = Request & { ctx: RequestContext };

export function ctxOf(req: Request): RequestContext {
  return (req as AppRequest).ctx;
}

export function actorFromRequest(req: Request): Actor {
  const ctx = ctxOf(req);
  if (ctx.user) return { userId: ctx.user.id, label: ctx.user.email, ip: ctx.ip };
  if (ctx.apiKey) return { userId: null, label: `api-key:${ctx.apiKey.name}`, ip: ctx.ip };
  return { userId: null, label: 'anonymous', ip: ctx.ip };
}

/** The full path: inside middleware mounted on a wildcard, `req.path` is only the part after the mount. */
export function pathOf(req: Request): string {
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function isMachinePath(path: string): boolean {
  return path.startsWith('/api/') || path.startsWith('/webhooks/');
}

export function wantsJson(req: Request): boolean {
  const p = pathOf(req);
  if (isMachinePath(p) || p === '/healthz') return true;
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}
