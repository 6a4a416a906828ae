import { Injectable } from '@nestjs/common';
import MailComposer from 'nodemailer/lib/mail-composer';
import { AppError } from '../common/errors/app-error';
import { OutboxMessage, OutboxStatus } from './entities/outbox-message.entity';
import { OutboxRepository } from './outbox.repository';

export interface OutboxListItem {
  id: number;
  to: string;
  subject: string;
  mailClass: string;
  template: string;
  status: OutboxStatus;
  attempts: number;
  createdAt: Date;
  sentAt: Date | null;
  lastError: string | null;
}

export interface OutboxDetail extends OutboxListItem {
  from: string;
  messageId: string;
  html: string;
  text: string;
  rawHeaders: string;
}

const STATUSES: OutboxStatus[] = ['pending', 'sending', 'sent', 'failed', 'kept'];

function toItem(m: OutboxMessage): OutboxListItem {
  return {
    id: m.id,
    to: m.to,
    subject: m.subject,
    mailClass: m.mailClass,
    template: m.template,
    status: m.status,
    attempts: m.attempts,
    createdAt: m.createdAt,
    sentAt: m.sentAt,
    lastError: m.lastError,
  };
}

/** The built-in mail viewer: with no SMTP configured this is where mail is read. */
@Injectable()
export class OutboxService {
  constructor(private readonly outbox: OutboxRepository) {}

  async list(q: { status?: string; to?: string }, page: { limit: number; offset: number }) {
    const status = STATUSES.includes(q.status as OutboxStatus) ? (q.status as OutboxStatus) : undefined;
    const [rows, total] = await this.outbox.list({ status, to: q.to?.trim() || undefined, ...page });
    return { items: rows.map(toItem), total, statuses: STATUSES };
  }

  async get(id: number): Promise<OutboxDetail> {
    const m = await this.outbox.findById(id);
    if (!m) throw AppError.notFound('message');
    return { ...toItem(m), from: m.from, messageId: m.messageId, html: m.html, text: m.text, rawHeaders: await rawHeaders(m) };
  }

  async html(id: number): Promise<string> {
    const m = await this.outbox.findById(id);
    if (!m) throw AppError.notFound('message');
    return m.html;
  }

  async retry(id: number): Promise<void> {
    if (!(await this.outbox.findById(id))) throw AppError.notFound('message');
    await this.outbox.retryNow(id);
  }
}

/** The header block exactly as the relay's transport will write it. */
async function rawHeaders(m: OutboxMessage): Promise<string> {
  const composer = new MailComposer({
    from: m.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    headers: JSON.parse(m.headers || '{}'),
    date: m.sentAt ?? m.createdAt,
  });
  const raw: Buffer = await new Promise((resolve, reject) => composer.compile().build((err, msg) => (err ? reject(err) : resolve(msg))));
  const s = raw.toString('utf8');
  const end = s.indexOf('\r\n\r\n');
  return end >= 0 ? s.slice(0, end) : s;
}
