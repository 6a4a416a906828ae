import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role } from '../../users/entities/user.entity';
import { AppError } from '../errors/app-error';
import { PUBLIC_KEY, ROLES_KEY } from './decorators';
import { API_KEY_AUTH } from './api-key-auth';
import { refuseUncheckedMultipart } from './multipart-csrf';
import { ctxOf } from './request-context';

/**
 * Default deny: a handler is reachable only if it is @Public, authenticated by API key (@ApiKeyAuth), or the
 * session's user holds one of its @Roles (any logged-in user when none are named).
 *
 * It also refuses a multipart body whose CSRF field no handler would check (see refuseUncheckedMultipart): one
 * global guard rather than two, as each costs every request.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    refuseUncheckedMultipart(this.reflector, context);
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(API_KEY_AUTH, targets)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const user = ctxOf(req).user;
    if (!user) throw new AppError('unauthenticated', 'auth.required', 'errors.login_required');
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets);
    if (!roles?.length || roles.includes(user.role)) return true;
    // Staff who open the clients' area are sent to theirs instead of a dead end.
    if (user.role !== 'client' && roles.includes('client')) {
      throw new AppError('forbidden', 'auth.staff_area', 'errors.forbidden', {}, { redirect: '/admin' });
    }
    throw AppError.forbidden('auth.wrong_role');
  }
}
