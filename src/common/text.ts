/**
 * What every piece of text input must be, whatever the field: well-formed Unicode (no lone surrogate, which
 * only JSON's `\ud800` escapes can produce and which no encoder can turn into UTF-8) and no NUL (which ends
 * strings in C, headers and some drivers). Checked once at the edge (InputPipe) for bodies and query strings.
 */
const NOT_TEXT = /[\0\p{Cs}]/u;

export function isCleanText(s: string): boolean {
  return !NOT_TEXT.test(s);
}

/**
 * A one-line field (a subject, a name, an address): clean text without line breaks or other control characters.
 * U+2028/U+2029 count as line breaks: mail clients and JavaScript treat them as such.
 */
const NOT_ONE_LINE = /[\p{Cc}\u2028\u2029\p{Cs}]/u;

export function isOneLine(s: string): boolean {
  return !NOT_ONE_LINE.test(s);
}
