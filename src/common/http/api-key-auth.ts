import { applyDecorators, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { ApiBearerAuth } from '@nestjs/swagger';
import { AppError } from '../errors/app-error';

export const API_KEY_AUTH = 'kabinet:api-key-auth';

/** Lets a request through with a valid admin API key, checked by the `api-key` strategy (auth/api-keys). */
@Injectable()
export class ApiKeyGuard extends AuthGuard('api-key') {
  override handleRequest<T>(err: unknown, key: T): T {
    if (err) throw err;
    if (!key) throw new AppError('unauthenticated', 'auth.api_key_required', 'Send Authorization: Bearer <api key>');
    return key;
  }
}

/** Marks a controller or route as the admin JSON API: bearer API key instead of a session and CSRF. */
export const ApiKeyAuth = () => applyDecorators(SetMetadata(API_KEY_AUTH, true), UseGuards(ApiKeyGuard), ApiBearerAuth());
