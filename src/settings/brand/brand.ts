import { createHash } from 'node:crypto';
import { mailbox } from '../../mail/mailbox';
import type { SiteSettings } from '../site-settings';

/** What the site is called when the owner has not named it. */
export const DEFAULT_SCHOOL_NAME = 'kabinet';

/** The school's name as every page and mail shows it. */
export function brandName(site: Pick<SiteSettings, 'schoolName'>): string {
  return site.schoolName.trim() || DEFAULT_SCHOOL_NAME;
}

/** The logo's public path: the file id in the path, so a new logo is a new URL and each one may be cached for good. */
export function logoPath(fileId: string): string {
  return `/brand/logo/${fileId}`;
}

// ---- colour ---------------------------------------------------------------------------------------------------

type Rgb = [number, number, number];

const toRgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const toHex = (c: Rgb) => '#' + c.map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0')).join('');
/** `a` moved towards `b` by `t` (0..1). */
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => a[i] + (b[i] - a[i]) * t) as Rgb;

function luminance([r, g, b]: Rgb): number {
  const ch = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(toRgb(a)), luminance(toRgb(b))].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
/** The page background of app.css (`--bg`): links and accent text sit on it as well as on white cards. */
export const PAGE_BACKGROUND = '#f5f6f8';
const AA = 4.5;

export interface AccentShades {
  /** Buttons, links, the current nav item: the owner's colour, darkened only as far as AA on the page background needs. */
  accent: string;
  /** Hover of buttons and links: a step darker (lighter from a near-black), still AA with white text. */
  hover: string;
  /** Tinted backgrounds (badges, chips, the current nav item) that accent-coloured text sits on, still AA. */
  soft: string;
}

/**
 * The three shades the stylesheet uses, from the one colour the owner picks. The setting is checked against white
 * only (white text on buttons); accent text also sits on the grey page and on its own soft tint, so the colour is
 * darkened in small steps until it reads at 4.5:1 on the page, and the tint is lightened until the accent reads on it.
 */
export function accentShades(hex: string): AccentShades {
  let accent = toRgb(hex);
  for (let i = 0; i < 40 && contrast(toHex(accent), PAGE_BACKGROUND) < AA; i++) accent = mix(accent, BLACK, 0.03);
  const a = toHex(accent);
  let soft = WHITE;
  for (const t of [0.1, 0.08, 0.06, 0.04, 0.02]) {
    const candidate = mix(WHITE, accent, t);
    if (contrast(a, toHex(candidate)) >= AA) {
      soft = candidate;
      break;
    }
  }
  // A step darker on hover; from a near-black there is no darker step to take, so a step lighter.
  const hover = contrast(a, '#ffffff') > 15 ? mix(accent, WHITE, 0.2) : mix(accent, BLACK, 0.2);
  return { accent: a, hover: toHex(hover), soft: toHex(soft) };
}

/** The stylesheet `/brand.css` serves: app.css's accent variables, set from the owner's colour. */
export function brandCss(accentColour: string): string {
  const s = accentShades(accentColour.toLowerCase());
  return `:root{--accent:${s.accent};--accent-hover:${s.hover};--accent-soft:${s.soft}}\n`;
}

/** Changes whenever the stylesheet does: the `?v=` of its URL, so browsers may keep each version for good. */
export function brandCssVersion(accentColour: string): string {
  return createHash('sha256').update(brandCss(accentColour)).digest('hex').slice(0, 12);
}

// ---- what the layout and the mail layout get ------------------------------------------------------------------

/** The brand as the page layout needs it (`brand` in every template). */
export interface BrandView {
  name: string;
  /** The letter mark shown when there is no logo. */
  initial: string;
  logoUrl: string | null;
  cssUrl: string;
}

/** The brand as the mail layout needs it: absolute URLs (a mail is read elsewhere), the colour as the owner chose it. */
export interface MailBrand {
  name: string;
  logoUrl: string | null;
  accent: string;
  /** `"Name" <address>` of transactional mail (passwords, access, notices) and of marketing mail (campaigns, list confirmations). */
  transactionalFrom: string;
  marketingFrom: string;
}

// The settings object is frozen and shared while cached, so each view is worked out once per settings version.
const views = new WeakMap<SiteSettings, BrandView>();
const mails = new WeakMap<SiteSettings, Map<string, MailBrand>>();

export function brandView(site: SiteSettings): BrandView {
  let v = views.get(site);
  if (!v) {
    const name = brandName(site);
    v = {
      name,
      initial: (Array.from(name)[0] ?? 'k').toLocaleUpperCase(),
      logoUrl: site.logoFileId ? logoPath(site.logoFileId) : null,
      cssUrl: `/brand.css?v=${brandCssVersion(site.accentColour)}`,
    };
    views.set(site, v);
  }
  return v;
}

export function mailBrand(site: SiteSettings, appUrl: string): MailBrand {
  let byUrl = mails.get(site);
  if (!byUrl) mails.set(site, (byUrl = new Map()));
  let b = byUrl.get(appUrl);
  if (!b) {
    const name = brandName(site);
    b = {
      name,
      logoUrl: site.logoFileId ? appUrl + logoPath(site.logoFileId) : null,
      accent: site.accentColour,
      // A sender without a name goes out under the school's.
      transactionalFrom: mailbox(site.mailFromName || name, site.mailFromAddress),
      marketingFrom: mailbox(site.marketingFromName || name, site.marketingFromAddress),
    };
    byUrl.set(appUrl, b);
  }
  return b;
}
