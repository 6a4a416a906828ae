import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { csrfError } from './csrf.middleware';
import { MULTIPART_FORM_KEY } from './decorators';
import { ctxOf } from './request-context';

/**
 * The CSRF middleware lets a multipart form through unchecked, for its handler to check the `_csrf` field as it
 * reads the body. Only a handler marked @MultipartForm does that: any other is refused, so posting a form as
 * multipart cannot slip past the check.
 */
@Injectable()
export class MultipartCsrfGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (!ctxOf(context.switchToHttp().getRequest<Request>())?.csrfInBody) return true;
    if (this.reflector.get<boolean>(MULTIPART_FORM_KEY, context.getHandler())) return true;
    throw csrfError();
  }
}
