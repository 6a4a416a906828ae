import { Inject, Injectable } from '@nestjs/common';
import { formatDate } from '../../common/time/date-format';
import { APP_CONFIG, AppConfig, Locale } from '../../config/config';
import { translate } from '../../i18n/i18n';
import { MailService } from '../../mail/mail.service';
import { formatMoney } from '../../members/orders/orders.service';
import { SettingsService } from '../../settings/settings.service';
import type { SiteSettings } from '../../settings/site-settings';
import { UsersRepository } from '../../users/users.repository';
import type { CaseInput } from '../offboarding.contract';
import { checkNotice, NoticeHint } from '../notice-check';
import { DEFAULT_NOTICE, NoticeText, noticeTemplate } from '../notice-template';
import type { StepClient } from './step-client';

/** The local part of an address nobody reads: noreply@, no-reply@, donotreply@, do-not-reply@, mailer-daemon@. */
const NO_REPLY = /^(no-?reply|do-?not-?reply|mailer-daemon)(\+[^@]*)?@/i;

export interface RenderedNotice {
  locale: Locale;
  template: NoticeText;
  rendered: NoticeText;
  hints: NoticeHint[];
}

/**
 * The notice as the client receives it, for the preview and the notice step alike (one rendering, so what the
 * admin read in the preview is what is sent): the edited text or the default in the client's language, its
 * variables filled from the case and the settings, and checkNotice()'s hints against the case's private notes.
 */
@Injectable()
export class NoticeRenderer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly settings: SettingsService,
    private readonly mail: MailService,
    private readonly users: UsersRepository,
  ) {}

  async render(client: StepClient, input: Pick<CaseInput, 'notice' | 'reason' | 'evidence' | 'when'>, refunds: { amountMinor: number; currency: string }[], now: Date): Promise<RenderedNotice> {
    const s = await this.settings.current();
    const locale = client.locale;
    const template = input.notice ?? DEFAULT_NOTICE[locale];
    const school = s.schoolName || (await this.mail.brand()).name;
    const contact = await this.contactAddress(s);
    const alternatives = alternativesOf(s);
    const t = (key: string, vars: Record<string, unknown> = {}) => translate(locale, `offboarding_steps.notice.${key}`, vars);

    const totals = new Map<string, number>();
    for (const r of refunds) totals.set(r.currency, (totals.get(r.currency) ?? 0) + r.amountMinor);
    const amount = [...totals].filter(([, n]) => n > 0).map(([currency, n]) => formatMoney(n, currency, locale)).join(' + ');
    const accessEnds = input.when === 'now' ? now : input.when;

    const vars = {
      name: client.name || client.email,
      school,
      access_ends: formatDate(accessEnds, { locale, timeZone: s.timeZone, showZone: false }),
      refund: amount ? t('refund', { amount }) : t('no_refund'),
      // kabinet has no self-service data export yet: the notice offers one on request
      export_link: t('export_contact', { contact }),
      alternatives: alternatives.length ? alternatives.join('; ') : t('no_alternatives'),
      contact,
    };
    const rendered = { subject: noticeTemplate.render(oneFullStop(template.subject, vars), vars), body: noticeTemplate.render(oneFullStop(template.body, vars), vars) };
    const hints = checkNotice({ text: `${template.subject}\n${template.body}`, privateNotes: [input.reason, ...(input.evidence ?? [])], alternatives });
    return { locale, template, rendered, hints };
  }

  /**
   * Where the client can write: the support inbox when the listener is on, else the address staff are told of new
   * tickets at, else the transactional sender — unless that is a no-reply address, which is no way to reach anyone.
   */
  async contactAddress(s: SiteSettings): Promise<string> {
    const domain = this.config.inbound?.domain;
    if (this.config.inbound?.port != null && domain && s.supportInboxAddress) return `${s.supportInboxAddress}@${domain}`;
    if (s.supportNotifyAddress) return s.supportNotifyAddress;
    if (!NO_REPLY.test(s.mailFromAddress)) return s.mailFromAddress;
    // a fresh install sends from noreply@…: the first owner is who a client can really write to
    const [owner] = await this.users.listEmailsByRole('owner');
    return owner ?? s.mailFromAddress;
  }
}

/**
 * A value that ends a sentence itself ("2 дек. 2026 г.", an alternative ending in "!") before the template's own
 * full stop would print two marks: the template's is dropped then.
 */
export function oneFullStop(template: string, vars: Record<string, string>): string {
  let out = template;
  for (const [name, value] of Object.entries(vars)) {
    if (/[.!?…]$/u.test(value)) out = out.replace(new RegExp(`(\\{\\{\\s*${name}\\s*\\}\\})\\.`, 'g'), '$1');
  }
  return out;
}

/** The alternatives the owner recommends (site setting `offboardingAlternatives`, one a line, bullets dropped). */
export function alternativesOf(s: Pick<SiteSettings, 'offboardingAlternatives'>): string[] {
  return (s.offboardingAlternatives ?? '')
    .split(/\r?\n/)
    .map((l) => l.replace(/^[\s\-–—*•]+/u, '').trim())
    .filter(Boolean);
}
