import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as nodemailer from 'nodemailer';

export const INBOUND_FIXTURES = path.join(__dirname, '../fixtures/inbound');

/** A fixture from test/fixtures/inbound with its {{PLACEHOLDERS}} filled in. */
export function inboundFixture(name: string, vars: Record<string, string>): string {
  let raw = fs.readFileSync(path.join(INBOUND_FIXTURES, name), 'utf8');
  for (const [k, v] of Object.entries(vars)) raw = raw.split(`{{${k}}}`).join(v);
  return raw.replace(/\r?\n/g, '\r\n');
}

export interface SmtpResult {
  ok: boolean;
  /** The reply code of the first refusal (RCPT or DATA), or 250. */
  code: number;
  response: string;
}

/**
 * Sends one raw message with a real SMTP (or LMTP) client, nodemailer's SMTP transport, to the inbound listener,
 * and reports how the server answered instead of throwing.
 */
export async function sendRaw(port: number, envelope: { from: string; to: string[] }, raw: string, opts: { lmtp?: boolean } = {}): Promise<SmtpResult> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, lmtp: opts.lmtp ?? false, name: 'client.test' });
  try {
    const info = await transport.sendMail({ envelope, raw });
    const rejected = (info as { rejectedErrors?: { responseCode?: number; response?: string }[] }).rejectedErrors ?? [];
    if (info.rejected.length) return { ok: false, code: rejected[0]?.responseCode ?? 550, response: rejected[0]?.response ?? '' };
    return { ok: true, code: 250, response: info.response };
  } catch (e) {
    const err = e as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: err.responseCode ?? 0, response: err.response ?? err.message };
  } finally {
    transport.close();
  }
}

/** The server's EHLO (or LHLO) answer, as text: to see what it announces (SIZE). */
export function ehlo(port: number, verb = 'EHLO'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = '';
    let sent = false;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      buf += d;
      if (!sent && /^220 /m.test(buf)) {
        sent = true;
        buf = '';
        socket.write(`${verb} client.test\r\n`);
      } else if (sent && /^250 /m.test(buf)) {
        socket.end('QUIT\r\n');
        resolve(buf);
      }
    });
    socket.on('error', reject);
  });
}

/** A plain message from a person. */
export function personMail(o: { from: string; to: string; subject: string; text: string; messageId?: string; headers?: Record<string, string> }): string {
  const lines = [
    `From: ${o.from}`,
    `To: ${o.to}`,
    `Subject: ${o.subject}`,
    'Date: Tue, 01 Dec 2026 12:00:00 +0000',
    `Message-ID: ${o.messageId ?? `<${Math.random().toString(36).slice(2)}@client.test>`}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    '',
    o.text,
  ];
  return lines.join('\r\n');
}
