import { createParamDecorator, ExecutionContext, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import type { Request } from 'express';
import type { Role } from '../../users/entities/user.entity';
import { actorFromRequest, ctxOf, RequestContext } from './request-context';
import { FormViewInterceptor } from './form-view.interceptor';

export const ROLES_KEY = 'kabinet:roles';
export const PUBLIC_KEY = 'kabinet:public';
export const MULTIPART_FORM_KEY = 'kabinet:multipart-form';

/** Only these roles may call the handler (or every handler of the class). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
/** No login needed. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
/** Takes a multipart form read with `withMultipartForm`, which checks its `_csrf` field (see CsrfMiddleware). */
export const MultipartForm = () => SetMetadata(MULTIPART_FORM_KEY, true);

export const Ctx = createParamDecorator((_: unknown, c: ExecutionContext): RequestContext => ctxOf(c.switchToHttp().getRequest<Request>()));
export const CurrentActor = createParamDecorator((_: unknown, c: ExecutionContext) => actorFromRequest(c.switchToHttp().getRequest<Request>()));

/** A failed post to this handler re-renders `view` with the messages and the values typed (never passwords). */
export const FormView = (view: string) => applyDecorators(SetMetadata('kabinet:form-view', view), UseInterceptors(FormViewInterceptor));
