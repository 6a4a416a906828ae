// Plain text of an HTML-only reply, for extractReply: one linear pass over the markup, no DOM.
// Quoted history is marked the way plain-text mail marks it, so one set of rules strips both: a `blockquote`
// (Gmail's `gmail_quote`, Apple's and Thunderbird's `type=cite`) becomes `> ` lines, which extractReply drops
// after the last answer but keeps where the client answered between them. What is never new text is dropped
// here: Gmail's and Thunderbird's attribution lines (`gmail_attr`, `moz-cite-prefix`) and signatures, and
// everything from Outlook's reply header (`#divRplyFwdMsg`, `#appendonsend`) on.

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
/** Elements whose content is not text at all. */
const RAW = new Set(['script', 'style', 'head', 'title', 'template', 'noscript', 'xml']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figure', 'footer',
  'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul',
]);
const DROP_CLASSES = ['gmail_attr', 'moz-cite-prefix', 'gmail_signature', 'moz-signature'];
const STOP_IDS = ['divrplyfwdmsg', 'appendonsend'];
const TAG_START = /[a-zA-Z/!?]/;

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ensp: ' ', emsp: ' ', thinsp: ' ', shy: '',
  zwnj: '', zwj: '', lrm: '', rlm: '', laquo: '«', raquo: '»', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“',
  rdquo: '”', bdquo: '„', ndash: '–', mdash: '—', hellip: '…', bull: '•', middot: '·', copy: '©', reg: '®',
  trade: '™', euro: '€', pound: '£', yen: '¥', cent: '¢', deg: '°', times: '×', divide: '÷', sect: '§', para: '¶',
  iexcl: '¡', iquest: '¿', plusmn: '±', frac12: '½', frac14: '¼', frac34: '¾', larr: '←', rarr: '→', uarr: '↑',
  darr: '↓', numero: '№',
};

/** With `whole`, nothing is dropped: for a mail that is only history (an Outlook forward without a note). */
export function htmlToReplyText(html: string, { whole = false } = {}): string {
  const out = new TextBuilder();
  const lists: { ordered: boolean; n: number }[] = [];
  let drop: { tag: string; depth: number } | null = null;
  let pre = 0;
  // Word's HTML (Outlook) makes every line a <p class=MsoNormal> without margins, and its empty lines <p>&nbsp;</p>.
  let msoParagraphs = false;
  let i = 0;
  while (i < html.length) {
    // The next "<" that starts a tag, comment or declaration; one in "a < b" is text.
    let lt = html.indexOf('<', i);
    while (lt >= 0 && !TAG_START.test(html[lt + 1] ?? '')) lt = html.indexOf('<', lt + 1);
    const textEnd = lt < 0 ? html.length : lt;
    if (textEnd > i && !drop) out.text(decodeEntities(html.slice(i, textEnd)), pre > 0);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close < 0 ? html.length : close + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) {
      if (!drop) out.text(decodeEntities(html.slice(lt)), pre > 0);
      break;
    }
    i = gt + 1;
    const tag = html.slice(lt + 1, gt);
    const closing = tag.startsWith('/');
    const name = /^\/?([a-zA-Z][a-zA-Z0-9:-]*)/.exec(tag)?.[1]?.toLowerCase();
    // "<!DOCTYPE …>", "<![if …]>", "<?xml …?>", "</ >" carry no text.
    if (!name) continue;
    if (RAW.has(name) && !closing) {
      // (Not through html.toLowerCase(): lower-casing can change the length of a string, and so its offsets.)
      const closeTag = new RegExp(`</${name}`, 'gi');
      closeTag.lastIndex = i;
      const close = closeTag.exec(html)?.index ?? -1;
      i = close < 0 ? html.length : html.indexOf('>', close) + 1 || html.length;
      continue;
    }
    if (drop) {
      if (name === drop.tag && !VOID.has(name)) drop.depth += closing ? -1 : tag.endsWith('/') ? 0 : 1;
      if (drop.depth === 0) drop = null;
      continue;
    }
    if (closing) {
      if (name === 'blockquote') out.quote(-1);
      else if (name === 'p' && !msoParagraphs) out.paragraphEnd();
      else if (name === 'pre') pre = Math.max(0, pre - 1);
      else if ((name === 'ol' || name === 'ul') && lists.length) lists.pop();
      if (BLOCK.has(name)) out.softBreak();
      continue;
    }
    const attrs = tag.includes('=') ? attributes(tag) : {};
    if (name === 'p' && /\bmsonormal\b/i.test(attrs.class ?? '')) msoParagraphs = true;
    if (!whole && STOP_IDS.includes((attrs.id ?? '').toLowerCase())) break;
    const classes = whole ? [] : (attrs.class ?? '').toLowerCase().split(/\s+/);
    if (!VOID.has(name) && !tag.endsWith('/') && DROP_CLASSES.some((c) => classes.includes(c))) {
      out.softBreak();
      drop = { tag: name, depth: 1 };
      continue;
    }
    if (name === 'br') out.hardBreak();
    else if (BLOCK.has(name)) out.softBreak();
    if (name === 'blockquote') out.quote(1);
    else if (name === 'pre') pre++;
    else if (name === 'ol' || name === 'ul') lists.push({ ordered: name === 'ol', n: 0 });
    else if (name === 'li') {
      const list = lists[lists.length - 1];
      out.text(list?.ordered ? `${++list.n}. ` : '- ', true);
    }
  }
  return out.done();
}

/** The id and class of one start tag (a regex over the tag's own text, so bounded by it). */
function attributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const re = /([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  re.lastIndex = tag.search(/[\s/]/) + 1 || tag.length;
  for (let m = re.exec(tag); m; m = re.exec(tag)) {
    const key = m[1].toLowerCase();
    if (key === 'id' || key === 'class') attrs[key] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  return attrs;
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));?/g, (all, dec, hex, named) => {
    if (named) return ENTITIES[named.toLowerCase()] ?? ENTITIES[named] ?? all;
    const code = dec ? Number(dec) : parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '';
  });
}

/** Lines as the browser would break them, each prefixed with '>' per blockquote it starts in. */
class TextBuilder {
  private readonly lines: string[] = [];
  /** The line in progress, in pieces (appending to one string and asking it about its end would copy it each time). */
  private parts: string[] = [];
  private endsInSpace = true;
  private hasContent = false;
  private lineDepth = 0;
  private depth = 0;
  /** A paragraph ended: the next line of text comes after a blank line. */
  private gap = false;

  text(text: string, preformatted: boolean): void {
    if (preformatted) {
      const parts = text.replace(/\r\n?/g, '\n').split('\n');
      parts.forEach((part, k) => {
        if (k > 0) this.hardBreak();
        this.append(part);
      });
      return;
    }
    // A no-break space is content: Outlook's empty paragraphs are "<p>&nbsp;</p>".
    let squashed = text.replace(/[ \t\n\r\f]+/g, ' ');
    if (this.endsInSpace && squashed.startsWith(' ')) squashed = squashed.slice(1);
    this.append(squashed);
  }

  private append(text: string): void {
    if (!text) return;
    if (!this.parts.length) this.lineDepth = this.depth;
    this.parts.push(text);
    this.endsInSpace = text.endsWith(' ');
    this.hasContent ||= /[^ ]/.test(text);
  }

  /** A line ends here, even an empty one (`<br>`). */
  hardBreak(): void {
    const depth = this.parts.length ? this.lineDepth : this.depth;
    const text = this.parts.join('').replace(/\u00a0/g, ' ').trimEnd();
    this.parts = [];
    this.endsInSpace = true;
    this.hasContent = false;
    if (this.gap) {
      // The gap and an empty line that follows it are one blank line, as margins collapse on the page.
      this.gap = false;
      this.lines.push('');
      if (!text) return;
    }
    this.lines.push(depth ? `${'>'.repeat(depth)}${text ? ` ${text}` : ''}` : text);
  }

  paragraphEnd(): void {
    this.softBreak();
    if (this.lines.length && this.lines[this.lines.length - 1]) this.gap = true;
  }

  /** A block starts or ends here: the line in progress ends, but no empty line is made. */
  softBreak(): void {
    if (this.hasContent) this.hardBreak();
    else {
      this.parts = [];
      this.endsInSpace = true;
    }
  }

  quote(change: number): void {
    this.softBreak();
    this.depth = Math.max(0, this.depth + change);
  }

  done(): string {
    this.softBreak();
    this.gap = false;
    return this.lines.join('\n');
  }
}
