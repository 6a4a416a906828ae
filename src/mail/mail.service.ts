import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, Locale } from '../config/config';
import { readerZone } from '../common/time/zoned-time';
import { mailBrand, MailBrand } from '../settings/brand/brand';
import { SettingsService } from '../settings/settings.service';
import { MailClass, MailKind } from './entities/outbox-message.entity';
import { MailTemplates, RenderedMail } from './mail-templates';
import { OutboxRepository } from './outbox.repository';

export const MAIL_TEMPLATES = Symbol('MAIL_TEMPLATES');

export interface MailRequest {
  to: string;
  template: MailKind;
  locale: Locale;
  /** The recipient's own zone (users.time_zone) when they picked one; dates in the mail are shown in it, else in the site zone. */
  timeZone?: string | null;
  vars?: Record<string, unknown>;
  mailClass?: MailClass;
  /** Whose name and address it comes from; by default that of its class (a list confirmation is transactional but comes from the marketing sender). */
  sender?: MailClass;
  headers?: Record<string, string>;
  /** Makes the enqueue safe to repeat: a second call with the same key queues nothing. */
  idempotencyKey?: string;
  /** Our own Message-ID when the caller stores it to thread replies on (tickets); otherwise a new one. */
  messageId?: string;
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

  /** A fresh `<uuid@our-host>` Message-ID. */
  newMessageId(): string {
    return `<${randomUUID()}@${new URL(this.config.appUrl).hostname}>`;
  }

  /** The school's name, logo, colour and senders as mail shows them (from the settings, cached). */
  async brand(): Promise<MailBrand> {
    return mailBrand(await this.settings.current(), this.config.appUrl);
  }

  /**
   * The sender is resolved now and stored with the row: the outbox keeps what was sent, a retry goes out as the
   * first attempt did, and the relay reads no settings; a changed sender applies to mail queued afterwards.
   */
  async enqueue(m: EntityManager, req: MailRequest): Promise<boolean> {
    const brand = await this.brand();
    const rendered = await this.render(req);
    const mailClass = req.mailClass ?? 'transactional';
    return this.outbox.insert(m, {
      messageId: req.messageId ?? this.newMessageId(),
      idempotencyKey: req.idempotencyKey ?? null,
      mailClass,
      template: req.template,
      locale: req.locale,
      from: (req.sender ?? mailClass) === 'marketing' ? brand.marketingFrom : brand.transactionalFrom,
      to: req.to,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: JSON.stringify(req.headers ?? {}),
    });
  }

  /**
   * The mail exactly as `enqueue()` would queue it, without queueing it: for a preview that must show what the
   * recipient will receive (the client's warning).
   */
  async render(req: Pick<MailRequest, 'template' | 'locale' | 'timeZone' | 'vars'>): Promise<RenderedMail> {
    const brand = await this.brand();
    const siteZone = (await this.settings.current()).timeZone;
    return this.templates.render(req.template, req.locale, {
      appUrl: this.config.appUrl,
      brand,
      ...req.vars,
      // A mail is read later, anywhere, and forwarded: its times always carry the zone's name.
      timeZone: readerZone({ timeZone: req.timeZone ?? null }, siteZone),
      showZone: true,
    });
  }

  /** The outbox row queued under an idempotency key (in the caller's transaction), for a record that links its mail. */
  outboxIdOf(m: EntityManager, idempotencyKey: string): Promise<number | null> {
    return this.outbox.idOfKey(m, idempotencyKey);
  }
}
