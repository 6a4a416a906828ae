import * as path from 'node:path';
import { loadConfig } from '../../config/config';
import { MailTemplates } from '../../mail/mail-templates';
import { VIEWS_DIR } from '../../paths';
import { mailBrand } from '../../settings/brand/brand';
import { defaultSettings } from '../../settings/site-settings';
import type { SettingsService } from '../../settings/settings.service';
import { CampaignRenderer } from './campaign-renderer';

describe('CampaignRenderer', () => {
  const config = loadConfig({ SECRET_KEY: 'x'.repeat(40), APP_URL: 'https://portal.test', DEFAULT_LOCALE: 'en' }, '/tmp');
  const site = { ...defaultSettings(config), schoolName: 'Tango School' };
  const settings = { current: async () => site } as unknown as SettingsService;
  const renderer = new CampaignRenderer(config, new MailTemplates(path.resolve(VIEWS_DIR)), settings);
  const brand = mailBrand(site, config.appUrl);
  const vars = { name: 'Ann <b>&', email: 'ann@example.com', unsubscribe_url: 'https://portal.test/u/T1?a=1&b=2', preferences_url: 'https://portal.test/preferences/P1' };

  it('personalises subject, HTML (escaped) and text (verbatim), including placeholders inside Markdown links', () => {
    const compiled = renderer.compile(
      { subject: 'News for {{name}}', preheader: 'Short', bodyFormat: 'markdown', body: 'Hello, **{{ name }}**!\n\n[Leave]({{unsubscribe_url}}) · <script>alert(1)</script>' },
      { name: 'Weekly' },
      brand,
    );
    const mail = compiled.render(vars, 'en');
    expect(mail.subject).toBe('News for Ann <b>&');
    expect(mail.html).toContain('Hello, <strong>Ann &lt;b&gt;&amp;</strong>!');
    expect(mail.html).toContain('href="https://portal.test/u/T1?a=1&amp;b=2"');
    expect(mail.html).not.toContain('<script');
    expect(mail.html).toContain('you subscribed to &quot;Weekly&quot;');
    expect(mail.html).toContain('https://portal.test/preferences/P1');
    expect(mail.text).toContain('Hello, Ann <b>&!');
    expect(mail.text).toContain('Leave (https://portal.test/u/T1?a=1&b=2)');
    expect(mail.text).toContain('Unsubscribe: https://portal.test/u/T1?a=1&b=2');
    expect(mail.text).toContain('Mail preferences: https://portal.test/preferences/P1');
    // the school's brand, once per compile: its name atop and below the mail, its colour on the card
    expect(mail.html).toContain('>Tango School</span>');
    expect(mail.html).toContain('border-top:4px solid #4338ca');
    expect(mail.text.trimEnd().endsWith('Tango School · https://portal.test')).toBe(true);
  });

  it('renders the footer in the recipient language and falls back to the default one', () => {
    const compiled = renderer.compile({ subject: 'S', preheader: '', bodyFormat: 'html', body: '<p style="color:red" onclick="x()">Hi</p>' }, null, brand);
    const ru = compiled.render(vars, 'ru');
    expect(ru.text).toContain('Отписаться: https://portal.test/u/T1?a=1&b=2');
    expect(ru.html).toContain('<p style="color:red">Hi</p>');
    expect(compiled.render(vars, null).text).toContain('you are one of our clients');
  });

  it('keeps a single line break of Markdown: <br> in the HTML, a new line in the text part; a blank line is a paragraph', () => {
    const compiled = renderer.compile({ subject: 'S', preheader: '', bodyFormat: 'markdown', body: 'Anna Petrova\nMain street 1\n\nBye' }, null, brand);
    const mail = compiled.render(vars, 'en');
    expect(mail.html).toContain('<p>Anna Petrova<br />Main street 1</p>');
    expect(mail.html).toContain('<p>Bye</p>');
    expect(mail.text).toMatch(/^Anna Petrova\nMain street 1\n\nBye\n/);
    // an HTML body is the operator's own markup: its new lines are not breaks
    expect(renderer.compile({ subject: 'S', preheader: '', bodyFormat: 'html', body: '<p>a\nb</p>' }, null, brand).render(vars, 'en').html).toContain('<p>a\nb</p>');
  });
});
