import * as path from 'node:path';
import * as nunjucks from 'nunjucks';
import { registerDateFilters, registerLinkify } from '../views/view-helpers';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/**
 * Mail templates live in views/emails/<name>/<locale>.{subject,html,txt}.njk. HTML is auto-escaped; the text
 * part is rendered by a second environment without escaping, because `&amp;` in a plain-text mail is a bug.
 */
export class MailTemplates {
  private readonly html: nunjucks.Environment;
  private readonly text: nunjucks.Environment;

  constructor(viewsDir: string, noCache = false) {
    const loader = () => new nunjucks.FileSystemLoader(path.join(viewsDir, 'emails'), { noCache });
    this.html = new nunjucks.Environment(loader(), { autoescape: true, throwOnUndefined: false });
    this.text = new nunjucks.Environment(loader(), { autoescape: false, throwOnUndefined: false });
    // The same date filters as pages, reading the recipient's `locale` and `timeZone` from the mail's variables.
    registerDateFilters(this.html);
    registerDateFilters(this.text);
    registerLinkify(this.html);
  }

  /** `vars.brand` (a MailBrand) names the school in the HTML layout and signs the text part. */
  render(template: string, locale: string, vars: Record<string, unknown>): RenderedMail {
    if (!/^[a-z0-9-]+$/.test(template)) throw new Error(`bad mail template name ${template}`);
    const ctx = { ...vars, locale };
    const brand = vars.brand as { name: string } | undefined;
    const signature = brand ? `\n\n${brand.name} · ${String(vars.appUrl ?? '')}`.replace(/ · $/, '') : '';
    return {
      subject: this.text.render(`${template}/${locale}.subject.njk`, ctx).replace(/\s+/g, ' ').trim(),
      html: this.html.render(`${template}/${locale}.html.njk`, ctx),
      text: this.text.render(`${template}/${locale}.txt.njk`, ctx).trim() + signature + '\n',
    };
  }
}
