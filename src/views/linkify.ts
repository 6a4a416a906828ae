import { escapeHtml } from './html';

/**
 * Plain text (a ticket message) as HTML: every character escaped, and web addresses and e-mail addresses made
 * into links. Nothing of the text can become markup: the input is cut into pieces (address or not) and every
 * piece, href included, goes through `escapeHtml`; only `<a>` tags of our own are added. Only `http://`,
 * `https://`, `www.` and e-mail addresses are recognised, so `javascript:` or `data:` never become links.
 * Line breaks stay as they are (the page shows them with `white-space: pre-wrap`).
 */
export function linkify(text: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index;
    const raw = trimTail(m[0]);
    const link = raw && hrefOf(raw);
    if (!link) continue;
    out += escapeHtml(text.slice(at, start)) + `<a href="${escapeHtml(link)}" rel="${REL}">${escapeHtml(raw)}</a>`;
    at = start + raw.length;
  }
  return out + escapeHtml(text.slice(at));
}

/** Links written by clients: no referrer, no window.opener, and no search-engine credit. */
export const REL = 'nofollow noopener noreferrer ugc';

/**
 * An address candidate: `http(s)://…`, `www.…` (not in the middle of a word or of another address), or an
 * e-mail address. An address ends at white space, quotes, angle brackets and the typographic quotes of
 * Russian and English text; punctuation at its end is trimmed afterwards (trimTail).
 */
const CANDIDATE =
  /(?<![\w@.\/-])(?:https?:\/\/[^\s<>"`«»“”„]+|www\.[^\s<>"`«»“”„]+)|(?<![\w.%+\-@])[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![\w@-])/giu;

const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Drops the sentence's punctuation after an address, and closing brackets it did not open: `(see http://x/a).` */
function trimTail(s: string): string {
  let end = s.length;
  for (;;) {
    const c = s[end - 1];
    if (c === undefined) break;
    if (/[.,;:!?'*…]/.test(c)) {
      end--;
      continue;
    }
    const open = CLOSING[c];
    if (open) {
      const body = s.slice(0, end);
      const opens = body.split(open).length - 1;
      const closes = body.split(c).length - 1;
      if (closes > opens) {
        end--;
        continue;
      }
    }
    break;
  }
  return s.slice(0, end);
}

/** The href for a trimmed candidate, or null when nothing is left of it but the scheme. */
function hrefOf(raw: string): string | null {
  if (/^https?:\/\//i.test(raw)) return /^https?:\/\/[^/?#]*[\p{L}\p{N}]/iu.test(raw) ? raw : null;
  if (/^www\./i.test(raw)) return /^www\.[\p{L}\p{N}-]+\.[\p{L}\p{N}]/iu.test(raw) ? `http://${raw}` : null;
  return raw.includes('@') ? `mailto:${raw}` : null;
}

