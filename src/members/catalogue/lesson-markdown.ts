import { marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

/**
 * Embedded players a lesson may carry. The CSP's frame-src (src/app.ts) is built from the same list, so a
 * host added here is both kept by the sanitiser and allowed by the browser.
 */
export const VIDEO_EMBEDS: { origin: string; path: RegExp }[] = [
  { origin: 'https://www.youtube.com', path: /^\/embed\// },
  { origin: 'https://youtube.com', path: /^\/embed\// },
  { origin: 'https://www.youtube-nocookie.com', path: /^\/embed\// },
  { origin: 'https://player.vimeo.com', path: /^\/video\// },
  { origin: 'https://rutube.ru', path: /^\/play\/embed\// },
  { origin: 'https://vk.com', path: /^\/video_ext\.php$/ },
];

export const VIDEO_FRAME_ORIGINS = VIDEO_EMBEDS.map((e) => e.origin);

function isAllowedEmbed(src: string | undefined): boolean {
  if (!src) return false;
  let u: URL;
  try {
    u = new URL(src);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && !u.username && !u.password && !u.port && VIDEO_EMBEDS.some((e) => e.origin === u.origin && e.path.test(u.pathname));
}

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'iframe', 'h1', 'h2', 'del', 'input'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    iframe: ['src', 'width', 'height', 'title', 'allow', 'allowfullscreen', 'frameborder'],
    code: ['class'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowedSchemesByTag: { iframe: ['https'], img: ['https', 'data'] },
  allowedIframeHostnames: [...new Set(VIDEO_EMBEDS.map((e) => new URL(e.origin).hostname))],
  allowIframeRelativeUrls: false,
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }) },
  // The hostname list alone would let any path of those hosts through; only their embed players are wanted.
  exclusiveFilter: (frame) => (frame.tag === 'iframe' && !isAllowedEmbed(frame.attribs.src)) || (frame.tag === 'input' && frame.attribs.type !== 'checkbox'),
};

/** Markdown → safe HTML, done once when a lesson is saved (pages print the stored result as it is). */
export function renderLessonMarkdown(md: string): string {
  const html = marked.parse(md, { async: false, gfm: true }) as string;
  return sanitizeHtml(html, OPTIONS);
}
