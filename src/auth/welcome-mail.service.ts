import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, Locale } from '../config/config';
import { randomToken, sha256 } from '../common/crypto';
import { isLocale } from '../i18n/i18n';
import { MailService } from '../mail/mail.service';
import { User } from '../users/entities/user.entity';
import { PasswordResetsRepository } from './password-resets.repository';

/** Set-password links in welcome mail live longer than reset links: people open welcome mail days later. */
export const WELCOME_LINK_TTL_MINUTES = 7 * 24 * 60;

export interface WelcomeOptions {
  /** Titles of the products the client can open now, named in the mail ("your access to … is ready"). */
  products: string[];
  /** The account came from a purchase: the mail thanks them for it. */
  purchase?: boolean;
  /** Makes the first welcome safe to repeat (a retried webhook); a resend has none. */
  idempotencyKey?: string;
}

/**
 * The welcome mail of a client whose account was made for them (by staff, an import, the API or a purchase):
 * "your access to … is ready", with a one-time link to choose a password. Never the password-reset mail, which
 * says someone asked for a reset. Written inside the caller's transaction, like every mail.
 */
@Injectable()
export class WelcomeMailService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly resets: PasswordResetsRepository,
    private readonly mail: MailService,
  ) {}

  /** Queues the mail with a new set-password link; earlier welcome links of the account stop working (reset links stay). */
  async send(m: EntityManager, client: Pick<User, 'id' | 'email' | 'name' | 'locale'>, opts: WelcomeOptions): Promise<void> {
    const now = new Date();
    await this.resets.invalidateForUser(m, client.id, now, 'welcome');
    const token = randomToken(32);
    await this.resets.insert(m, {
      tokenHash: sha256(token),
      userId: client.id,
      kind: 'welcome',
      expiresAt: new Date(now.getTime() + WELCOME_LINK_TTL_MINUTES * 60_000),
    });
    const locale: Locale = isLocale(client.locale) ? client.locale : this.config.defaultLocale;
    await this.mail.enqueue(m, {
      to: client.email,
      template: 'welcome',
      locale,
      vars: {
        name: client.name,
        link: `${this.config.appUrl}/password/reset/${token}`,
        days: WELCOME_LINK_TTL_MINUTES / 1440,
        products: opts.products,
        purchase: !!opts.purchase,
        loginUrl: `${this.config.appUrl}/login`,
      },
      idempotencyKey: opts.idempotencyKey,
    });
  }
}
