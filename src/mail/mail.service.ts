import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, Locale } from '../config/config';
import { readerZone } from '../common/time/zoned-time';
import { SettingsService } from '../settings/settings.service';
import { MailClass } from './entities/outbox-message.entity';
import { MailTemplates } from './mail-templates';
import { OutboxRepository } from './outbox.repository';

export const MAIL_TEMPLATES = Symbol('MAIL_TEMPLATES');

export interface MailRequest {
  to: string;
  template: string;
  locale: Locale;
  /** The recipient's own zone (users.time_zone) when they picked one; dates in the mail are shown in it, else in the site zone. */
  timeZone?: string | null;
  vars?: Record<string, unknown>;
  mailClass?: MailClass;
  headers?: Record<string, string>;
  /** Makes the enqueue safe to repeat: a second call with the same key queues nothing. */
  idempotencyKey?: string;
}

/**
 * Queues mail. Always called with the EntityManager of the transaction that causes the mail, so the mail
 * exists if and only if the change does; the relay sends it afterwards.
 */
@Injectable()
export class MailService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TEMPLATES) private readonly templates: MailTemplates,
    private readonly outbox: OutboxRepository,
    private readonly settings: SettingsService,
  ) {}

  async enqueue(m: EntityManager, req: MailRequest): Promise<boolean> {
    const siteZone = (await this.settings.current()).timeZone;
    const rendered = this.templates.render(req.template, req.locale, {
      appUrl: this.config.appUrl,
      ...req.vars,
      // A mail is read later, anywhere, and forwarded: its times always carry the zone's name.
      timeZone: readerZone({ timeZone: req.timeZone ?? null }, siteZone),
      showZone: true,
    });
    return this.outbox.insert(m, {
      messageId: `<${randomUUID()}@${new URL(this.config.appUrl).hostname}>`,
      idempotencyKey: req.idempotencyKey ?? null,
      mailClass: req.mailClass ?? 'transactional',
      template: req.template,
      locale: req.locale,
      from: this.config.mailFrom,
      to: req.to,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: JSON.stringify(req.headers ?? {}),
    });
  }
}
