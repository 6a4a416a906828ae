/** The five characters HTML text and attribute values must not carry raw (what Nunjucks' autoescape replaces): one escaper for the outline, linkify and campaign mail. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const ANY = /[&<>"']/;
const EVERY = /[&<>"']/g;

export function escapeHtml(s: string): string {
  return ANY.test(s) ? s.replace(EVERY, (c) => ENTITIES[c]) : s;
}
