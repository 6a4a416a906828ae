import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { formatDate } from '../../common/time/date-format';
import { localDateString, startOfLocalDay } from '../../common/time/zoned-time';
import { APP_CONFIG, AppConfig, Locale } from '../../config/config';
import { Database } from '../../database/database.service';
import { isLocale, translate } from '../../i18n/i18n';
import { MailService } from '../../mail/mail.service';
import { GrantsRepository } from '../../members/access/grants.repository';
import { ProductsRepository } from '../../members/catalogue/products.repository';
import { checkNotice, NoticeRule } from '../../offboarding/notice-check';
import { SettingsService } from '../../settings/settings.service';
import { TicketsRepository } from '../../support/tickets.repository';
import { User } from '../../users/entities/user.entity';
import { UsersRepository } from '../../users/users.repository';
import { ClientWarning, WarningRequest } from './entities/client-warning.entity';
import { parseWarning, WarningCommand, WarningInput } from './warning-input';
import { DueFollowUp, WarningRow, WarningsRepository } from './warnings.repository';

/** How many of the client's tickets the form offers to pick from (newest activity first). */
export const PICKABLE_TICKETS = 50;

/** The rules of the offboarding notice's checker that a warning keeps: it is no goodbye, so no alternatives or farewell needed. */
const WARNING_RULES: readonly NoticeRule[] = ['blame', 'quotes_private'];

export interface WarningHint {
  rule: NoticeRule;
  excerpt?: string;
}

export interface PickableTicket {
  id: number;
  subject: string;
  createdAt: Date;
  status: string;
}

export interface WarningFormModel {
  [k: string]: unknown;
  client: { id: number; name: string; email: string; locale: Locale };
  tickets: PickableTicket[];
  /** The form's starting values (the page's `values`). */
  defaults: { terms: string; intro: string; estimate: string; followUpOn: string; requests: string[] };
}

export interface WarningPreview {
  to: string;
  locale: Locale;
  subject: string;
  text: string;
  hints: WarningHint[];
  /** The send form's token: sending twice with it sends one mail. */
  token: string;
}

/** A sent warning as pages and the API show it (never the entity). */
export interface WarningView {
  id: number;
  clientId: number;
  createdAt: Date;
  createdByName: string | null;
  terms: string;
  requests: { ticketId: number; subject: string }[];
  estimate: string;
  intro: string;
  followUpOn: string | null;
  followUpDoneAt: Date | null;
  followUpDoneByName: string | null;
  remindedAt: Date | null;
  /** The follow-up date has come and nobody marked it done. */
  followUpDue: boolean;
  outboxId: number | null;
  locale: string;
  subject: string;
  bodyText: string;
}

const toRequests = (json: string): WarningRequest[] => {
  try {
    const v = JSON.parse(json) as WarningRequest[];
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
};

function toView(w: ClientWarning & Partial<Pick<WarningRow, 'createdByName' | 'doneByName'>>, today: string): WarningView {
  return {
    id: w.id,
    clientId: w.clientId,
    createdAt: w.createdAt,
    createdByName: w.createdByName ?? null,
    terms: w.terms,
    requests: toRequests(w.requests).map((r) => ({ ticketId: r.ticketId, subject: r.subject })),
    estimate: w.estimate,
    intro: w.intro,
    followUpOn: w.followUpOn,
    followUpDoneAt: w.followUpDoneAt,
    followUpDoneByName: w.doneByName ?? null,
    remindedAt: w.remindedAt,
    followUpDue: !!w.followUpOn && !w.followUpDoneAt && w.followUpOn <= today,
    outboxId: w.outboxId,
    locale: w.locale,
    subject: w.subject,
    bodyText: w.bodyText,
  };
}

/** Send the mail twice with one token: the second finds the first. */
class AlreadySent extends Error {}

/**
 * The "last attempt" of issue 15 (seed 002): before parting with a client, a polite mail that reminds them of the
 * original terms, lists the requests they made beyond them (picked from their tickets, by subject only) and gives a
 * new estimate for that extra work, with an optional follow-up date that reminds the owner (WarningFollowUps).
 * A mail, not a sanction: staff may send it. The warning row and its mail are written in one transaction.
 */
@Injectable()
export class WarningsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly warnings: WarningsRepository,
    private readonly tickets: TicketsRepository,
    private readonly users: UsersRepository,
    private readonly grants: GrantsRepository,
    private readonly products: ProductsRepository,
    private readonly settings: SettingsService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
  ) {}

  /** The form: the client, their recent tickets, and the terms from the setting or from what they bought. */
  async form(clientId: number): Promise<WarningFormModel> {
    const client = await this.requireClient(clientId);
    const locale = this.localeOf(client);
    const [tickets, terms] = await Promise.all([this.pickable(clientId), this.defaultTerms(clientId, locale)]);
    return {
      client: { id: client.id, name: client.name, email: client.email, locale },
      tickets,
      defaults: { terms, intro: translate(locale, 'warnings.defaults.intro'), estimate: '', followUpOn: '', requests: [] },
    };
  }

  /** The mail as the client will receive it, and the checker's hints; changes nothing. */
  async preview(clientId: number, input: WarningInput): Promise<WarningPreview> {
    const client = await this.requireClient(clientId);
    const cmd = await this.parse(input);
    const requests = await this.requireRequests(clientId, cmd.requestTicketIds);
    const rendered = await this.render(client, cmd, requests);
    return { to: client.email, locale: this.localeOf(client), subject: rendered.subject, text: rendered.text, hints: await this.hints(cmd, requests), token: randomBytes(12).toString('hex') };
  }

  /**
   * Sends the warning: the record, its mail in the outbox and the audit entry in one transaction. `token` (the
   * preview's) makes a double click one mail: the second call returns the first warning.
   */
  async send(actor: Actor, clientId: number, input: WarningInput, token?: string): Promise<WarningView> {
    const client = await this.requireClient(clientId);
    const cmd = await this.parse(input);
    const locale = this.localeOf(client);
    const key = token && /^[a-f0-9]{24}$/.test(token) ? `client-warning:${clientId}:${token}` : null;
    const today = await this.today();
    try {
      return await this.db.transaction(async (m) => {
        const requests = await this.requireRequests(clientId, cmd.requestTicketIds, m);
        const rendered = await this.render(client, cmd, requests);
        const w = await this.warnings.insert(m, {
          clientId,
          createdBy: actor.userId,
          terms: cmd.terms,
          requests: JSON.stringify(requests),
          estimate: cmd.estimate,
          intro: this.introOf(cmd, locale),
          followUpOn: cmd.followUpOn,
          locale,
          subject: rendered.subject,
          bodyText: rendered.text,
          createdAt: new Date(),
        });
        const idempotencyKey = key ?? `client-warning:w${w.id}`;
        const queued = await this.mail.enqueue(m, { to: client.email, template: 'client-warning', locale, timeZone: client.timeZone, vars: this.mailVars(client, cmd, requests) , idempotencyKey });
        if (!queued) throw new AlreadySent();
        const outboxId = await this.mail.outboxIdOf(m, idempotencyKey);
        await this.warnings.setOutboxId(m, w.id, outboxId);
        await this.audit.record(m, actor, {
          action: 'client.warning',
          subjectType: 'client',
          subjectId: clientId,
          extra: { warningId: w.id, requests: requests.map((r) => r.ticketId), followUpOn: cmd.followUpOn },
        });
        return toView({ ...w, outboxId, createdByName: actor.label }, today);
      });
    } catch (e) {
      if (!(e instanceof AlreadySent) || !key) throw e;
      const outboxId = await this.mail.outboxIdOf(this.db.manager, key);
      const first = (await this.warnings.listForClient(clientId)).find((w) => w.outboxId === outboxId);
      if (!first) throw e;
      return toView(first, today);
    }
  }

  async list(clientId: number): Promise<WarningView[]> {
    await this.requireClient(clientId);
    const today = await this.today();
    return (await this.warnings.listForClient(clientId)).map((w) => toView(w, today));
  }

  /** "Mark follow-up done": once (a second click changes nothing); a warning without a follow-up date has none. */
  async markFollowUpDone(actor: Actor, clientId: number, warningId: number): Promise<WarningView> {
    await this.requireClient(clientId);
    const today = await this.today();
    return this.db.transaction(async (m) => {
      const w = await this.warnings.findForClient(clientId, warningId, m);
      if (!w) throw AppError.notFound('warning');
      if (!w.followUpOn) throw new AppError('conflict', 'warnings.no_follow_up', 'warnings.errors.no_follow_up');
      const now = new Date();
      if (await this.warnings.markDone(m, w.id, actor.userId, now)) {
        await this.audit.record(m, actor, { action: 'client.warning_followup', subjectType: 'client', subjectId: clientId, extra: { warningId: w.id } });
        return toView({ ...w, followUpDoneAt: now, followUpDoneBy: actor.userId, doneByName: actor.label }, today);
      }
      return toView(w, today);
    });
  }

  /** The warning sent last to a client the caller has already found, or null. */
  async latest(clientId: number): Promise<WarningView | null> {
    const [[w], today] = await Promise.all([this.warnings.listForClient(clientId, 1), this.today()]);
    return w ? toView(w, today) : null;
  }

  /** How many follow-ups are due today or earlier and not done. */
  async countDueFollowUps(): Promise<number> {
    return this.warnings.countDueOpen(await this.today());
  }

  /** Follow-ups due today or earlier and not done, for the client list. */
  dueFollowUps(limit = 20): Promise<DueFollowUp[]> {
    return this.today().then((today) => this.warnings.dueOpen(today, limit));
  }

  private async parse(input: WarningInput): Promise<WarningCommand> {
    return parseWarning(input, (await this.settings.current()).timeZone);
  }

  private async today(): Promise<string> {
    return localDateString(new Date(), (await this.settings.current()).timeZone);
  }

  private async requireClient(id: number): Promise<User> {
    const u = await this.users.findById(id);
    if (!u || u.role !== 'client') throw AppError.notFound('client');
    return u;
  }

  private localeOf(client: User): Locale {
    return isLocale(client.locale) ? client.locale : this.config.defaultLocale;
  }

  private introOf(cmd: WarningCommand, locale: Locale): string {
    return cmd.intro || translate(locale, 'warnings.defaults.intro');
  }

  private async pickable(clientId: number): Promise<PickableTicket[]> {
    const rows = await this.tickets.listForClient(clientId, PICKABLE_TICKETS);
    return rows.map((t) => ({ id: t.id, subject: t.subject, createdAt: t.createdAt, status: t.status }));
  }

  /** Every picked ticket must be this client's; one that is not is refused by name (422), never silently dropped. */
  private async requireRequests(clientId: number, ids: number[], m = this.db.manager): Promise<WarningRequest[]> {
    const out: WarningRequest[] = [];
    const foreign: number[] = [];
    for (const id of ids) {
      const t = await this.tickets.findClientTicket(clientId, id, m);
      if (!t) foreign.push(id);
      else out.push({ ticketId: t.id, subject: t.subject, createdAt: t.createdAt.toISOString() });
    }
    if (foreign.length) {
      throw new AppError('unprocessable', 'warnings.foreign_ticket', 'warnings.errors.foreign_ticket', { requestTicketIds: 'warnings.errors.foreign_ticket' }, { ticketIds: foreign });
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The setting, else one line per product the client has (its title, price and description). */
  private async defaultTerms(clientId: number, locale: Locale): Promise<string> {
    const s = (await this.settings.current()).warningTermsText.trim();
    if (s) return s;
    const productIds = [...new Set((await this.grants.listForClient(clientId)).map((g) => g.productId))];
    const products = productIds.length ? await this.products.findByIds(productIds) : [];
    return products
      .map((p) => translate(locale, p.priceLabel ? 'warnings.defaults.product_priced' : 'warnings.defaults.product', { title: p.title, price: p.priceLabel }) + (p.description ? `\n${p.description.trim()}` : ''))
      .join('\n\n');
  }

  private async render(client: User, cmd: WarningCommand, requests: WarningRequest[]) {
    return this.mail.render({ template: 'client-warning', locale: this.localeOf(client), timeZone: client.timeZone, vars: this.mailVars(client, cmd, requests) });
  }

  private mailVars(client: User, cmd: WarningCommand, requests: WarningRequest[]): Record<string, unknown> {
    const locale = this.localeOf(client);
    return {
      name: client.name,
      intro: this.introOf(cmd, locale),
      terms: cmd.terms,
      estimate: cmd.estimate,
      requests: requests.map((r) => ({ subject: r.subject, at: r.createdAt })),
      // a day, not an instant: shown as the owner wrote it, whatever the reader's zone
      followUp: cmd.followUpOn ? formatDate(startOfLocalDay(cmd.followUpOn, 'UTC'), { locale, timeZone: 'UTC', showZone: false }) : null,
    };
  }

  /** The checker of the offboarding notice, on what the writer wrote (the template's own words pass it). */
  private async hints(cmd: WarningCommand, requests: WarningRequest[]): Promise<WarningHint[]> {
    const notes: string[] = [];
    for (const r of requests) {
      for (const msg of await this.tickets.messages(r.ticketId, true)) if (msg.kind === 'internal_note') notes.push(msg.body);
    }
    const text = [cmd.intro, cmd.terms, cmd.estimate].filter(Boolean).join('\n');
    return checkNotice({ text, privateNotes: notes }).filter((h) => WARNING_RULES.includes(h.rule));
  }
}
