import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-http-bearer';
import { AppError } from '../../common/errors/app-error';
import { ctxOf } from '../../common/http/request-context';
import { ApiKeysService, ApiKeyView } from './api-keys.service';

/** `Authorization: Bearer kb_…` checked against the stored hashes of the admin API keys (ApiKeyGuard asks it). */
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
