const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', laquo: '«', raquo: '»', hellip: '…' };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/**
 * The plain-text part of a campaign, from its (sanitised) HTML: paragraphs and headings become blank-line
 * separated blocks, list items get a dash, links keep their address in brackets, everything else loses its tags.
 */
export function htmlToText(html: string): string {
  let s = html.replace(/\r\n?/g, '\n');
  s = s.replace(/<(script|style|head|title)[^>]*>[\s\S]*?<\/\1>/gi, '');
  s = s.replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_all, href: string, inner: string) => {
    const text = inner.replace(/<[^>]+>/g, '').trim();
    const url = decode(href);
    return !text || decode(text) === url ? url : `${text} (${url})`;
  });
  s = s.replace(/\n+/g, ' ');
  s = s.replace(/<br\s*\/?>/gi, '\n');
  s = s.replace(/<li[^>]*>/gi, '\n- ');
  s = s.replace(/<hr[^>]*>/gi, '\n\n----\n\n');
  s = s.replace(/<\/(p|div|h[1-6]|ul|ol|table|blockquote|pre)>/gi, '\n\n');
  s = s.replace(/<(p|div|h[1-6]|ul|ol|table|blockquote|pre)[^>]*>/gi, '\n\n');
  s = s.replace(/<\/tr>/gi, '\n');
  s = s.replace(/<\/t[dh]>/gi, '\t');
  s = s.replace(/<[^>]+>/g, '');
  s = decode(s);
  return s
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
