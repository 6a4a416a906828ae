/**
 * Is this mail written by a machine? Then nobody answers it (no acknowledgement, no reopened ticket), which is
 * what keeps two auto-responders from mailing each other forever (RFC 3834 §2, and what FreeScout, Zammad and
 * osTicket check). The signals, any one of which is enough:
 *  - `Auto-Submitted` other than `no` (RFC 3834: auto-replied, auto-generated, auto-notified);
 *  - `Precedence: bulk | list | junk` (the de-facto mark of vacation programs and lists);
 *  - `X-Autoreply`, `X-Autorespond` (various responders), `X-Auto-Response-Suppress` (Exchange / Outlook out-of-office);
 *  - `List-Id` (a mailing list, RFC 2919);
 *  - an empty return path: `Return-Path: <>` or the null sender `MAIL FROM:<>` (bounces, RFC 5321 §4.5.5).
 */
export interface MailClassification {
  isAutomatic: boolean;
  /** The signals that matched, e.g. `auto-submitted: auto-replied`. */
  reasons: string[];
}

/** Header name (any case) → raw value; the first occurrence counts. */
export type HeaderLookup = (name: string) => string | undefined;

export function classifyMail(header: HeaderLookup, envelopeFrom: string): MailClassification {
  const reasons: string[] = [];
  const value = (name: string) => header(name)?.trim().toLowerCase();

  const autoSubmitted = value('auto-submitted');
  if (autoSubmitted !== undefined && !/^no\b/.test(autoSubmitted)) reasons.push(`auto-submitted: ${autoSubmitted}`);
  const precedence = value('precedence');
  if (precedence && /^(bulk|list|junk)\b/.test(precedence)) reasons.push(`precedence: ${precedence}`);
  for (const name of ['x-autoreply', 'x-autorespond', 'x-auto-response-suppress']) {
    const v = value(name);
    if (v !== undefined) reasons.push(`${name}: ${v}`);
  }
  if (value('list-id') !== undefined) reasons.push('list-id');
  const returnPath = value('return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath)) reasons.push('return-path: <>');
  if (envelopeFrom.trim() === '' || envelopeFrom.trim() === '<>') reasons.push('null sender');
  return { isAutomatic: reasons.length > 0, reasons };
}

/** A HeaderLookup over mailparser's `headerLines` (raw, possibly folded lines). */
export function headerLookup(lines: readonly { key: string; line: string }[]): HeaderLookup {
  const map = new Map<string, string>();
  for (const { key, line } of lines) {
    if (map.has(key)) continue;
    const colon = line.indexOf(':');
    map.set(key, line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
  }
  return (name) => map.get(name.toLowerCase());
}
