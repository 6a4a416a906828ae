import { isOneLine } from './text';

/**
 * The one rule for an e-mail address, used by every form, API body, import and setting. Deliberately loose: a
 * syntactically plausible address. Whether it exists is the mail server's business. It refuses what would break
 * a mail header or a list of addresses (spaces, `<>()",;:` and control characters) and what no mail system can
 * carry (lone surrogates).
 */
const EMAIL_RE = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/u;
export const EMAIL_MAX = 254;

export function isEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= EMAIL_MAX && isOneLine(value) && EMAIL_RE.test(value);
}

/** How addresses are stored and compared: trimmed, lower case. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
