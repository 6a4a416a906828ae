import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, Locale } from '../config/config';
import { MailClass } from './entities/outbox-message.entity';
import { MailTemplates } from './mail-templates';
import { OutboxRepository } from './outbox.repository';

export const MAIL_TEMPLATES = Symbol('MAIL_TEMPLATES');

export interface MailRequest {
  to: string;
  template: string;
  locale: Locale;
  vars?: Record<string, unknown>;
  mailClass?: MailClass;
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
  ) {}

  /** A fresh `<uuid@our-host>` Message-ID. */
  newMessageId(): string {
    return `<${randomUUID()}@${new URL(this.config.appUrl).hostname}>`;
  }

  async enqueue(m: EntityManager, req: MailRequest): Promise<boolean> {
    const rendered = this.templates.render(req.template, req.locale, {
      appUrl: this.config.appUrl,
      ...req.vars,
    });
    return this.outbox.insert(m, {
      messageId: req.messageId ?? this.newMessageId(),
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
