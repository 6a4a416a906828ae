import { applyDecorators, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Request } from 'express';
import { Strategy } from 'passport-http-bearer';
import { ApiKeysService, ApiKeyView } from '../../auth/api-keys/api-keys.service';
import { AppError } from '../errors/app-error';
import { ctxOf } from './request-context';

export const API_KEY_AUTH = 'kabinet:api-key-auth';

/** `Authorization: Bearer kb_…` checked against the stored hashes of the admin API keys. */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, 'api-key') {
  constructor(private readonly keys: ApiKeysService) {
    super({ passReqToCallback: true });
  }

  async validate(req: Request, token: string): Promise<ApiKeyView> {
    const key = await this.keys.authenticate(token);
    if (!key) throw new AppError('unauthenticated', 'auth.bad_api_key', 'Invalid or revoked API key');
    ctxOf(req).apiKey = key;
    return key;
  }
}

@Injectable()
export class ApiKeyGuard extends AuthGuard('api-key') {
  override handleRequest<T>(err: unknown, key: T): T {
    if (err) throw err;
    if (!key) throw new AppError('unauthenticated', 'auth.api_key_required', 'Send Authorization: Bearer <api key>');
    return key;
  }
}

export const ApiKeyAuth = () => applyDecorators(SetMetadata(API_KEY_AUTH, true), UseGuards(ApiKeyGuard), ApiBearerAuth());
