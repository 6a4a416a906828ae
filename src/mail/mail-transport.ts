import * as nodemailer from 'nodemailer';
import type { AppConfig } from '../config/config';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
  /** The SMTP envelope sender (VERP return path, `bounce+<token>@INBOUND_DOMAIN`) when it differs from From. */
  envelopeFrom?: string | null;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export const DKIM_SIGNED_HEADERS =
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:' +
  'In-Reply-To:References:List-Id:List-Unsubscribe:List-Unsubscribe-Post';

/**
 * Headers we format ourselves (RFC 2047 where needed): nodemailer would otherwise encode the whole List-Id value,
 * angle brackets included, and receivers would no longer find the list identifier in it. (nodemailer spells the
 * name "List-ID"; header names are case-insensitive, RFC 5322 §1.2.2.)
 */
const PREPARED_HEADERS = new Set(['List-Id']);

/** A pooled SMTP transport (the outbox relay and the campaign sender each have one); `null` when SMTP_URL is unset (mail stays in the outbox viewer). */
export function createMailTransport(config: AppConfig): MailTransport | null {
  if (!config.smtpUrl) return null;
  const u = new URL(config.smtpUrl);
  const secure = u.protocol === 'smtps:';
  const transport = nodemailer.createTransport({
    pool: true,
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    maxConnections: config.mailPoolSize,
    maxMessages: 1000,
    ...(config.mailRatePerSec > 0 ? { rateDelta: 1000, rateLimit: config.mailRatePerSec } : {}),
    ...(u.searchParams.get('tls') === 'insecure' ? { tls: { rejectUnauthorized: false } } : {}),
    ...(config.dkim
      ? {
          dkim: {
            ...config.dkim,
            // nodemailer's default list lacks List-Unsubscribe-Post; mailbox providers want it signed (RFC 8058).
            headerFieldNames: DKIM_SIGNED_HEADERS,
          },
        }
      : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        messageId: mail.messageId,
        ...(mail.envelopeFrom ? { envelope: { from: mail.envelopeFrom, to: mail.to } } : {}),
        headers: Object.fromEntries(
          Object.entries(mail.headers).map(([k, v]) => [k, PREPARED_HEADERS.has(k) ? { prepared: true, foldLines: true, value: v } : v]),
        ),
      });
    },
    close() {
      transport.close();
    },
  };
}

/** 5xx replies are permanent (the address or the content is refused); everything else may succeed later. */
export function isPermanentFailure(e: unknown): boolean {
  const code = (e as { responseCode?: number })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** An SMTP error as one line for the operator: reply code, error code, server's words. */
export function describeSmtpError(e: unknown): string {
  const err = e as { responseCode?: number; response?: string; code?: string; message?: string };
  return [err.responseCode, err.code, err.response ?? err.message].filter(Boolean).join(' ');
}
