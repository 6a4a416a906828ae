import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { ctxOf } from './request-context';

/** Marks the request with its form's template; the exception filter does the re-rendering. */
@Injectable()
export class FormViewInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const view = this.reflector.get<string>('kabinet:form-view', context.getHandler());
    if (view) ctxOf(context.switchToHttp().getRequest<Request>()).formView = view;
    return next.handle();
  }
}
