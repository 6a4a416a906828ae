import { Inject, Injectable } from '@nestjs/common';
import { marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { APP_CONFIG, AppConfig, Locale, LOCALES } from '../../config/config';
import { MailTemplates } from '../../mail/mail-templates';
import { MAIL_TEMPLATES } from '../../mail/mail.service';
import { mailBrand, MailBrand } from '../../settings/brand/brand';
import { SettingsService } from '../../settings/settings.service';
import { Campaign } from './entities/campaign.entity';
import { MailingList } from '../lists/entities/mailing-list.entity';
import { htmlToText } from './html-to-text';
import { escapeHtml } from '../../views/html';

/** What a campaign body may personalise: `{{name}}`, `{{email}}`, `{{unsubscribe_url}}`, `{{preferences_url}}`. */
export const PLACEHOLDERS = ['name', 'email', 'unsubscribe_url', 'preferences_url'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type RecipientVars = Record<Placeholder, string>;

export interface RenderedCampaignMail {
  subject: string;
  html: string;
  text: string;
}

/** A template cut at its placeholders: even indexes are literal text, odd ones placeholder names. */
type Parts = string[];

// `{{ name }}` as typed, or `%7B%7Bname%7D%7D` once Markdown has put it into a link address.
const PLACEHOLDER_RE = new RegExp(`\\{\\{\\s*(${PLACEHOLDERS.join('|')})\\s*\\}\\}|%7B%7B(${PLACEHOLDERS.join('|')})%7D%7D`, 'gi');

function cut(template: string): Parts {
  const parts: Parts = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER_RE)) {
    parts.push(template.slice(last, m.index), (m[1] ?? m[2]).toLowerCase());
    last = m.index! + m[0].length;
  }
  parts.push(template.slice(last));
  return parts;
}


/**
 * Joins with Array#join, which builds one flat string: `+=` would leave V8 a rope, and nodemailer's encoders
 * then walk (and copy) it several times per mail (measured: about 5% of the time nodemailer takes to compose one).
 */
function fill(parts: Parts, vars: RecipientVars): string {
  const out = new Array<string>(parts.length);
  out[0] = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    out[i] = vars[parts[i] as Placeholder] ?? '';
    out[i + 1] = parts[i + 1];
  }
  return out.join('');
}

/** Mail clients need inline styles and tables; scripts, forms and event handlers never survive. */
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'h1', 'h2', 'del', 'center', 'font', 'span'],
  allowedAttributes: {
    '*': ['style', 'align', 'width', 'height', 'bgcolor', 'valign', 'border', 'cellpadding', 'cellspacing', 'role', 'dir', 'lang'],
    a: ['href', 'title', 'target', 'style'],
    img: ['src', 'alt', 'title', 'width', 'height', 'style'],
    font: ['color', 'face', 'size'],
    td: ['colspan', 'rowspan', 'style', 'align', 'valign', 'width', 'bgcolor'],
    th: ['colspan', 'rowspan', 'style', 'align', 'valign', 'width', 'bgcolor'],
    ol: ['start'],
  },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowedSchemesByTag: { img: ['https', 'http'] },
  allowProtocolRelative: false,
};

/**
 * The campaign body as safe HTML: Markdown rendered, or the operator's HTML sanitised. A single line break in
 * Markdown stays one (`breaks`: `<br>`, and a new line in the text part), as people write letters: an address
 * or a signature keeps its lines.
 */
export function campaignBodyHtml(campaign: Pick<Campaign, 'body' | 'bodyFormat'>): string {
  const html = campaign.bodyFormat === 'html' ? campaign.body : (marked.parse(campaign.body, { async: false, gfm: true, breaks: true }) as string);
  return sanitizeHtml(html, SANITIZE);
}

/**
 * One campaign, rendered once per locale inside the mail layout and cut at its placeholders, so each recipient
 * costs string joins rather than a template render (a 100k send renders the layout twice, not 100k times).
 */
export class CompiledCampaign {
  constructor(
    private readonly subject: Parts,
    private readonly html: Record<Locale, Parts>,
    private readonly text: Record<Locale, Parts>,
    private readonly defaultLocale: Locale,
  ) {}

  render(vars: RecipientVars, locale: string | null): RenderedCampaignMail {
    const l: Locale = locale === 'ru' || locale === 'en' ? locale : this.defaultLocale;
    const escaped = { name: escapeHtml(vars.name), email: escapeHtml(vars.email), unsubscribe_url: escapeHtml(vars.unsubscribe_url), preferences_url: escapeHtml(vars.preferences_url) };
    return {
      subject: fill(this.subject, vars).replace(/[\r\n]+/g, ' ').trim(),
      html: fill(this.html[l], escaped),
      text: fill(this.text[l], vars),
    };
  }
}

@Injectable()
export class CampaignRenderer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(MAIL_TEMPLATES) private readonly templates: MailTemplates,
    private readonly settings: SettingsService,
  ) {}

  /** The school's name, logo, colour and marketing sender, read once per send (from the cached settings), never per mail. */
  async brand(): Promise<MailBrand> {
    return mailBrand(await this.settings.current(), this.config.appUrl);
  }

  /** `list` is the list the recipients came through; null for clients reached through a product. */
  compile(campaign: Pick<Campaign, 'subject' | 'preheader' | 'body' | 'bodyFormat'>, list: Pick<MailingList, 'name'> | null, brand: MailBrand): CompiledCampaign {
    const bodyHtml = campaignBodyHtml(campaign);
    const bodyText = htmlToText(bodyHtml);
    const html = {} as Record<Locale, Parts>;
    const text = {} as Record<Locale, Parts>;
    for (const locale of LOCALES) {
      const rendered = this.templates.render('campaign', locale, {
        appUrl: this.config.appUrl,
        brand,
        subject: campaign.subject,
        preheader: campaign.preheader,
        bodyHtml,
        bodyText,
        reason: reason(locale, list?.name ?? null),
        unsubscribeUrl: '{{unsubscribe_url}}',
        preferencesUrl: '{{preferences_url}}',
      });
      html[locale] = cut(rendered.html);
      text[locale] = cut(rendered.text);
    }
    return new CompiledCampaign(cut(campaign.subject), html, text, this.config.defaultLocale);
  }
}

function reason(locale: Locale, listName: string | null): string {
  if (locale === 'ru') return listName ? `вы подписаны на рассылку «${listName}»` : 'вы наш клиент';
  return listName ? `you subscribed to "${listName}"` : 'you are one of our clients';
}
