import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { hmac } from '../common/crypto';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { BanProbe, BansRepository } from './bans.repository';
import { domainKey, emailKey } from './email-key';
import { Ban } from './entities/ban.entity';

/** What an enforcement point learns of a ban: that there is one, and until when. Never the private reason. */
export interface ActiveBan {
  id: number;
  kind: Ban['kind'];
  expiresAt: Date | null;
}

/**
 * The one question every enforcement point asks: is this address banned now? An address is banned when a ban not
 * lifted and not expired names its identity (emailKey, or that key's HMAC once anonymised) or its domain.
 * Read-only and on the lowest level (BansModule imports nothing), so login, password reset, the order webhook,
 * subscribe forms, client creation and the CSV import can all ask it; BansService.findActive() is the same call.
 */
@Injectable()
export class BanCheck {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bans: BansRepository,
  ) {}

  /** HMAC-SHA256(SECRET_KEY, key): what `bans.key_hmac` holds. */
  keyHmac(key: string): string {
    return hmac(this.config.secretKey, key);
  }

  /** null for an address that has no identity key (not an address at all): nothing can ban it. */
  async findActive(email: string, now: Date = new Date(), m?: EntityManager): Promise<ActiveBan | null> {
    const key = emailKey(email);
    if (!key) return null;
    const domain = domainKey(key);
    const probe: BanProbe = { addressKey: key, addressHmac: this.keyHmac(key), domainKey: domain, domainHmac: domain ? this.keyHmac(domain) : null };
    const ban = await this.bans.findActive(probe, now, m);
    return ban ? { id: ban.id, kind: ban.kind, expiresAt: ban.expiresAt } : null;
  }

  /**
   * Throws the polite refusal (403 `bans.banned`) for a banned address; `field` names the form field it belongs to.
   * The message says neither why nor which ban: the reason is private.
   */
  async refuseIfBanned(email: string, field = 'email', m?: EntityManager): Promise<void> {
    if (await this.findActive(email, new Date(), m)) throw bannedError(field);
  }
}

export function bannedError(field = 'email'): AppError {
  return new AppError('forbidden', 'bans.banned', 'bans.refused', field ? { [field]: 'bans.refused' } : {});
}
