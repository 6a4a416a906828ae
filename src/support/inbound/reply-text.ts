// The new text of an inbound ticket reply: quoted history, forwarded copies and signatures removed, answers
// written between quoted lines kept together with the quoted lines they answer.
//
// email-reply-parser (crisp-oss) knows the attribution lines and sign-offs of about ten languages, but it hides
// every quoted line (so inline answers lose their questions) and knows almost no Russian (one weekday of Gmail's
// attribution), so the history is found here by our own markers, line by line, and the library then trims what
// is left of each piece of new text. Without RE2 (not installed: native build) several of its regexes backtrack
// catastrophically (`1234 from <` repeated 4 KB takes 20 s), so it only ever sees short lines of new text
// within a small character budget; everything of ours is linear in the size of the mail.
import type EmailReplyParserType from 'email-reply-parser';
import { htmlToReplyText } from './reply-html';

// The library ships only as an ES module. Node (>= 20.19) requires it natively, but jest's module registry
// cannot, so it is loaded through Node's own require, which is the same thing outside jest.
const EmailReplyParser: typeof EmailReplyParserType = (
  process.getBuiltinModule('node:module').createRequire(__filename)('email-reply-parser') as { default: typeof EmailReplyParserType }
).default;
const library = new EmailReplyParser();

/** Lines longer than this are new text, never an attribution, separator or signature (and are not tested). */
const MARKER_LINE_MAX = 300;
/** What the library sees: lines up to this length (longer ones become a placeholder)... */
const LIBRARY_LINE_MAX = 160;
/** ...at most this many characters of one piece of text (its tail, where sign-offs are)... */
const LIBRARY_PIECE_MAX = 2_000;
/** ...and at most this many characters per mail, so its cost stays bounded whatever the mail looks like. */
const LIBRARY_MAIL_MAX = 4_000;
const LIBRARY_PLACEHOLDER = '\u2026';

export function extractReply(input: { text?: string | null; html?: string | null }): string {
  if (input.text && input.text.trim()) return replyOf(input.text);
  if (!input.html) return '';
  return replyOf(htmlToReplyText(input.html)) || replyOf(htmlToReplyText(input.html, { whole: true }));
}

/** The new text, or all of the text when nothing would be left of it. */
function replyOf(text: string): string {
  const lines = normalisedLines(text);
  if (!lines.length) return '';
  return stripHistory(lines) || lines.join('\n');
}

/**
 * CRLF and lone CR to LF, no-break spaces to spaces, trailing whitespace off, at most two blank lines in a row,
 * no blank lines around.
 */
function normalisedLines(text: string): string[] {
  const out: string[] = [];
  let blanks = 0;
  let unified = text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  if (unified.includes('\u00a0')) unified = unified.replace(/\u00a0/g, ' ');
  for (const raw of unified.split('\n')) {
    const line = raw.trimEnd();
    if (!line) {
      blanks++;
      continue;
    }
    if (out.length) for (let i = Math.min(blanks, 2); i > 0; i--) out.push('');
    blanks = 0;
    out.push(line);
  }
  return out;
}

// What a line is, one byte per line (a 1 MB mail is some 100,000 lines).
const BLANK = 0;
const TEXT = 1;
const QUOTE = 2;
/** "On …, Name wrote:" right above quoted lines. */
const ATTRIBUTION = 3;

function stripHistory(lines: string[]): string {
  const kinds = new Uint8Array(lines.length);
  // Up to where the history starts: a signature, a forwarded or original message, a header block, an attribution
  // over unquoted text. Quoted lines before it may still be followed by answers.
  let end = 0;
  for (; end < lines.length; end++) {
    const line = lines[end];
    if (!line) continue; // BLANK
    if (quoteDepth(line)) {
      kinds[end] = QUOTE;
      continue;
    }
    if (isSignatureStart(line) || isForwardOrOriginal(line) || isHeaderBlock(lines, end)) break;
    const span = attributionSpan(lines, end);
    if (span) {
      // An attribution over quoted lines goes with them (or on its own, when answers follow); one over unquoted
      // text starts a history that is not quoted at all.
      if (!quoteDepth(lines[nextNonBlank(lines, end + span)] ?? '')) break;
      kinds.fill(ATTRIBUTION, end, end + span);
      end += span - 1;
      continue;
    }
    kinds[end] = TEXT;
  }
  // A separator ("____", "-----Original Message-----") and blank lines right above a header block belong to it.
  while (end > 0 && (kinds[end - 1] === BLANK || kinds[end - 1] === ATTRIBUTION || (kinds[end - 1] === TEXT && isSeparator(lines[end - 1])))) end--;
  let lastText = end - 1;
  while (lastText >= 0 && kinds[lastText] !== TEXT) lastText--;
  if (lastText < 0) return '';

  // Pieces of new text [start, end), each after the block of quoted lines [quoted, start) it answers (maybe none).
  const pieces: { quoted: number; start: number; end: number }[] = [];
  for (let i = 0, block = 0; i <= lastText; ) {
    if (kinds[i] !== TEXT) {
      i++;
      continue;
    }
    let last = i;
    let j = i;
    for (; j <= lastText && (kinds[j] === TEXT || kinds[j] === BLANK); j++) if (kinds[j] === TEXT) last = j;
    pieces.push({ quoted: block, start: i, end: last + 1 });
    block = last + 1;
    i = j;
  }
  const hasQuote = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (kinds[i] === QUOTE) return true;
    return false;
  };
  // Bottom posting: one answer under the whole quoted message (nothing quoted after it) answers the message, not a
  // paragraph of it, and repeating the sign-off of that message as its context helps nobody.
  const answered = pieces.filter((p) => hasQuote(p.quoted, p.start));
  const bottomPosted = answered.length === 1 && !hasQuote(lastText + 1, end) && quotedParagraphs(lines, answered[0].quoted, answered[0].start) > 1;

  const budget = { left: LIBRARY_MAIL_MAX };
  const kept: number[] = new Array(pieces.length);
  // The library's budget goes to the last piece first: sign-offs and history come at the end.
  for (let k = pieces.length - 1; k >= 0; k--) {
    const { start, end: pieceEnd } = pieces[k];
    let n = budget.left > 0 ? libraryKeeps(lines.slice(start, pieceEnd), budget) : pieceEnd - start;
    n = signOffStart(lines, start, start + n) - start;
    while (n > 0 && !lines[start + n - 1]) n--;
    kept[k] = n;
  }
  const out: string[] = [];
  pieces.forEach((piece, k) => {
    if (!kept[k]) return;
    if (out.length) out.push('');
    if (!bottomPosted) {
      const [from, to] = answeredLines(lines, piece.quoted, piece.start);
      for (let i = from; i < to; i++) out.push(lines[i]);
    }
    for (let i = piece.start; i < piece.start + kept[k]; i++) out.push(lines[i]);
  });
  return out.join('\n');
}

function nextNonBlank(lines: string[], from: number): number {
  let i = from;
  while (i < lines.length && !lines[i]) i++;
  return i;
}

/** How deep a line is quoted ("> a", ">> a", "> > a"; up to three spaces before the first '>'), 0 if not. */
function quoteDepth(line: string): number {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  let depth = 0;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 62) depth++;
    else if (c !== 32 || depth === 0) break;
  }
  return depth;
}

/** Depth and the offset of the content of a quoted line. */
function quoteOf(line: string): [number, number] {
  const depth = quoteDepth(line);
  let i = 0;
  for (let seen = 0; i < line.length && (seen < depth || line.charCodeAt(i) === 32); i++) if (line.charCodeAt(i) === 62) seen++;
  return [depth, i];
}

/** Of lines[from, to), those quoted once and with content that is not an attribution: the quoted message itself. */
function isQuotedContent(lines: string[], i: number): boolean {
  const [depth, at] = quoteOf(lines[i]);
  return depth === 1 && at < lines[i].length && !isAttribution(lines[i].slice(at));
}

/**
 * The quoted lines a piece of new text answers: the paragraph of the quoted message right above it, without blank
 * quoted lines, older nested history or the attribution of that history.
 */
function answeredLines(lines: string[], from: number, to: number): [number, number] {
  let i = to - 1;
  while (i >= from && !isQuotedContent(lines, i)) i--;
  const last = i;
  while (i >= from && isQuotedContent(lines, i)) i--;
  return [i + 1, last + 1];
}

function quotedParagraphs(lines: string[], from: number, to: number): number {
  let count = 0;
  let inParagraph = false;
  for (let i = from; i < to; i++) {
    const content = isQuotedContent(lines, i);
    if (content && !inParagraph) count++;
    inParagraph = content;
  }
  return count;
}

// Markers. Each is tested on one line of new text at most MARKER_LINE_MAX long, with patterns that have no nested
// or adjacent unbounded quantifiers, so the whole scan stays linear.

const TIME = /\d{1,2}:\d{2}/;
const ATTRIBUTION_ENDS = ['wrote:', 'написал(а):', 'написала:', 'написал:', 'пишет:'];
/** Starts of attributions that mail apps wrap onto two lines. */
const ATTRIBUTION_START = /^(?:On\s|\d|[а-яё]{2},\s\d|[А-ЯЁ][а-яё]+,\s\d)/u;

/**
 * "On Tue, 1 Dec 2026 at 10:00, Name <a@b.c> wrote:" (Gmail; Apple Mail's "On 1 Dec 2026, at 10:00"; Thunderbird's
 * "On 01.12.2026 10:00, Name wrote:"), "… Имя <a@b.c> написал(а):", "01.12.2026 10:00, Имя пишет:", and
 * Gmail/Yandex/Mail.ru Russian, which end in the address: "вт, 1 дек. 2026 г. в 10:00, Имя <a@b.c>:",
 * "01.12.2026, 10:00, "Имя" <a@b.c>:". All of them name a time.
 */
function isAttribution(line: string): boolean {
  if (line.length > MARKER_LINE_MAX || !TIME.test(line)) return false;
  if (ATTRIBUTION_ENDS.some((end) => line.endsWith(end))) return true;
  return line.endsWith('>:') && line.includes('@') && line.includes('<');
}

/** How many lines (1 or 2) an attribution starting at lines[i] takes, or 0. */
function attributionSpan(lines: string[], i: number): number {
  const line = lines[i];
  if (isAttribution(line)) return 1;
  const next = lines[i + 1];
  if (!next || next.length > 120 || quoteDepth(next) || line.length > MARKER_LINE_MAX || !ATTRIBUTION_START.test(line)) return 0;
  return isAttribution(`${line} ${next}`) ? 2 : 0;
}

const SIGNATURE_LINES = [/^-- ?$/, /^Get Outlook for \S.{0,80}$/, /^(?:Получить|Получите|Скачайте|Скачать|Загрузите) Outlook для \S.{0,80}$/u];
/** "Sent from my iPhone", "Отправлено из мобильной Почты Mail.ru": only with a device or an app named in them. */
const SENT_FROM = /^(?:Sent (?:from|with|via)|Отправлено (?:с|со|из)) /u;
const DEVICE_OR_APP =
  /\b(?:iPhone|iPad|Android|Galaxy|Samsung|Huawei|Xiaomi|Pixel|BlackBerry|Outlook|Mail|Yahoo|Proton|Spark|BlueMail|Windows|mobile|phone|tablet)\b|Почт|Яндекс|мобильн|телефон|смартфон|планшет/iu;

function isSignatureStart(line: string): boolean {
  if (line.length > 100) return false;
  return SIGNATURE_LINES.some((re) => re.test(line)) || (SENT_FROM.test(line) && DEVICE_OR_APP.test(line));
}

const FORWARD_OR_ORIGINAL = [
  /^-{2,}\s?(?:Original Message|Forwarded message|Исходное сообщение|Пересылаемое сообщение|Переадресованное сообщение)\s?-{2,}$/iu,
  /^(?:Begin forwarded message|Начало переадресованного сообщения):$/iu,
];

function isForwardOrOriginal(line: string): boolean {
  return line.length <= MARKER_LINE_MAX && FORWARD_OR_ORIGINAL.some((re) => re.test(line));
}

/** Outlook's "________________________________", a rule ("-----…"), "-----Original Message-----" above a header block. */
function isSeparator(line: string): boolean {
  return /^(?:_{10,}|-{10,})$/.test(line) || isForwardOrOriginal(line);
}

const HEADER_FROM = /^\*?(?:From|От)\s?:/iu;
const HEADER_OTHER = /^\*?(?:Sent|Date|To|Cc|Subject|Отправлено|Дата|Кому|Копия|Тема)\s?:/iu;

/** Outlook's "From: … / Sent: … / To: … / Subject: …" (and "От: … / Отправлено: … / Кому: … / Тема: …"). */
function isHeaderBlock(lines: string[], i: number): boolean {
  if (lines[i].length > MARKER_LINE_MAX || !HEADER_FROM.test(lines[i])) return false;
  let others = 0;
  for (let k = i + 1; k < lines.length && k <= i + 6 && lines[k]; k++) {
    if (lines[k].length <= MARKER_LINE_MAX && HEADER_OTHER.test(lines[k])) others++;
  }
  return others >= 2;
}

/** A Russian sign-off and the name under it, which the library strips in English ("Best regards,"). */
const SIGN_OFF = /^(?:С уважением|С наилучшими пожеланиями|С благодарностью|Всего доброго|Всего хорошего|Хорошего дня)[,.!]?$/iu;

/** Where a sign-off in the last four of lines[from, to) starts, or `to`. */
function signOffStart(lines: string[], from: number, to: number): number {
  for (let i = Math.max(from, to - 4); i < to; i++) if (lines[i].length < 40 && SIGN_OFF.test(lines[i])) return i;
  return to;
}

/**
 * How many of these lines of new text to keep by the library's reading (its sign-offs and attributions in
 * other languages), within the budget; all of them when the library finds nothing or the budget is spent.
 */
function libraryKeeps(lines: string[], budget: { left: number }): number {
  let start = lines.length;
  let size = 0;
  while (start > 0) {
    const cost = Math.min(lines[start - 1].length, LIBRARY_LINE_MAX) + 1;
    if (size + cost > LIBRARY_PIECE_MAX) break;
    size += cost;
    start--;
  }
  if (start === lines.length || size > budget.left) return lines.length;
  budget.left -= size;
  const fed = lines.slice(start).map((l) => (l.length > LIBRARY_LINE_MAX ? LIBRARY_PLACEHOLDER : l));
  const visible = squash(library.parseReply(fed.join('\n')));
  // The library's visible text is a prefix of what it was given (it only hides from a marker down), but it may
  // join a wrapped attribution onto one line, so the prefix is found by comparing with whitespace squashed.
  let prefix = '';
  for (let k = 0; k <= fed.length; k++) {
    if (prefix === visible) {
      // Its "Sent from …" takes any line so starting for a signature; ours wants a device or an app in it.
      const cut = fed.slice(k).find((l) => l) ?? '';
      return cut.startsWith('Sent from ') && !DEVICE_OR_APP.test(cut) ? lines.length : start + k;
    }
    if (k === fed.length || prefix.length > visible.length) break;
    const next = squash(fed[k]);
    if (next) prefix = prefix ? `${prefix} ${next}` : next;
  }
  return lines.length;
}

function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
