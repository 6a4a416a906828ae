import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { csrfError } from './csrf.middleware';
import { MULTIPART_FORM_KEY } from './decorators';
import { ctxOf } from './request-context';

/**
 * The CSRF middleware lets a multipart form through unchecked, for its handler to check the `_csrf` field as it
 * reads the body. Only a handler marked @MultipartForm does that: any other refuses the request, so posting a
 * form as multipart cannot slip past the check. Called by the global guard (RolesGuard) before anything else.
 */
export function refuseUncheckedMultipart(reflector: Reflector, context: ExecutionContext): void {
  if (!ctxOf(context.switchToHttp().getRequest<Request>())?.csrfInBody) return;
  if (!reflector.get<boolean>(MULTIPART_FORM_KEY, context.getHandler())) throw csrfError();
}
