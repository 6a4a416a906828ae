import { MailTemplates } from '../../mail/mail-templates';
import { checkNotice } from '../../offboarding/notice-check';
import { VIEWS_DIR } from '../../paths';
import { translate } from '../../i18n/i18n';
import { parseWarning } from './warning-input';

const templates = new MailTemplates(VIEWS_DIR);
const vars = (locale: 'ru' | 'en', extra: Record<string, unknown> = {}) => ({
  appUrl: 'https://school.example',
  brand: { name: 'Studio', accent: '#4338ca' },
  timeZone: 'UTC',
  name: 'Irina',
  intro: translate(locale, 'warnings.defaults.intro'),
  terms: 'Twelve lessons and one review a week.',
  estimate: '4 000 ₽ a month.',
  requests: [{ subject: 'Review my sketches', at: '2026-11-20T10:00:00.000Z' }],
  followUp: '9 December 2026',
  ...extra,
});

describe('the warning mail (client-warning)', () => {
  it.each(['ru', 'en'] as const)('in %s keeps to the rules of parting well: no blame, a door left open, a positive close', (locale) => {
    const mail = templates.render('client-warning', locale, vars(locale));
    const hints = checkNotice({ text: mail.text }).map((h) => h.rule);
    expect(hints).not.toContain('blame');
    expect(hints).not.toContain('no_open_door');
    expect(hints).not.toContain('no_positive_close');
    expect(mail.text).toContain('Review my sketches');
    expect(mail.text).toContain('9 December 2026');
  });

  it('escapes what the writer typed in the HTML part', () => {
    const mail = templates.render('client-warning', 'en', vars('en', { estimate: '<b onclick=x>4 000</b>', terms: '<script>1</script>' }));
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<b onclick');
    expect(mail.html).toContain('&lt;script&gt;');
  });

  it('the checker flags a blaming opening in each language', () => {
    expect(checkNotice({ text: 'Вы нарушили условия курса.' }).map((h) => h.rule)).toContain('blame');
    expect(checkNotice({ text: 'You repeatedly ignored the terms.' }).map((h) => h.rule)).toContain('blame');
    for (const locale of ['ru', 'en'] as const) expect(checkNotice({ text: translate(locale, 'warnings.defaults.intro') }).map((h) => h.rule)).not.toContain('blame');
  });
});

describe('parseWarning', () => {
  const now = new Date('2026-12-02T10:00:00Z');
  const ok = { terms: ' T ', requestTicketIds: ['3', 3, 4], estimate: 'E', followUpOn: '2026-12-02' };

  it('trims, drops repeated ticket ids and keeps a follow-up of today', () => {
    expect(parseWarning(ok, 'UTC', now)).toEqual({ terms: 'T', requestTicketIds: [3, 4], estimate: 'E', intro: '', followUpOn: '2026-12-02' });
  });

  it('names every bad field at once', () => {
    try {
      parseWarning({ terms: '', requestTicketIds: ['x'], estimate: 'e'.repeat(2001), intro: 7, followUpOn: '2026-12-01' }, 'UTC', now);
      throw new Error('no error');
    } catch (e) {
      expect((e as { fields: Record<string, string> }).fields).toEqual({
        terms: 'errors.required',
        requestTicketIds: 'warnings.errors.ticket_ids',
        estimate: 'errors.too_long',
        intro: 'warnings.errors.text',
        followUpOn: 'warnings.errors.follow_up_past',
      });
    }
  });

  it('reads "today" in the site zone', () => {
    // 23:30 UTC on 1 Dec is already 2 Dec in Moscow
    const late = new Date('2026-12-01T23:30:00Z');
    expect(parseWarning({ ...ok, followUpOn: '2026-12-02' }, 'Europe/Moscow', late).followUpOn).toBe('2026-12-02');
    expect(() => parseWarning({ ...ok, followUpOn: '2026-12-01' }, 'Europe/Moscow', late)).toThrow();
  });
});
