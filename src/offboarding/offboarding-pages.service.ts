import * as fs from 'node:fs';
import * as path from 'node:path';
import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { WarningsService } from '../clients/warnings/warnings.service';
import { AppError } from '../common/errors/app-error';
import type { Page } from '../common/http/pagination';
import type { Locale } from '../config/config';
import { translate } from '../i18n/i18n';
import { GrantsRepository } from '../members/access/grants.repository';
import { formatMoney } from '../members/orders/orders.service';
import { TicketMetricsService } from '../support/ticket-metrics.service';
import { UsersRepository } from '../users/users.repository';
import { VIEWS_DIR } from '../paths';
import type { Role } from '../users/entities/user.entity';
import { NOTICE_VARIABLES } from './notice-template';
import { CaseInput, CaseStatus, CaseView, OffboardingActor, OFFBOARDING_STEPS, StepName, StepResults, StepView } from './offboarding.contract';
import { OffboardingService } from './offboarding.service';

let recordCss: string | undefined;

const OPEN_STATUSES: readonly CaseStatus[] = ['proposed', 'scheduled', 'running', 'attention'];

const canManage = (role: Role) => role === 'owner' || role === 'admin';

/** A step as its card shows it: the contract's view, what it did in a few words, and what may be done about it. */
export interface StepCard extends StepView {
  summary: string[];
  /** A refund that waits for the owner (a manual one): confirmed on the client's orders. */
  confirmHref: string | null;
  canRetry: boolean;
  canSkip: boolean;
}

/**
 * The offboarding pages' view models: the workflow's answers (OffboardingService, the contract's
 * OffboardingOperations) with what a page adds — the client's tickets to pick as evidence, money in the reader's
 * language, a step's result in a sentence, the case's audit entries for the record. Changes nothing itself.
 */
@Injectable()
export class OffboardingPagesService {
  constructor(
    private readonly ops: OffboardingService,
    private readonly users: UsersRepository,
    private readonly grants: GrantsRepository,
    private readonly ticketMetrics: TicketMetricsService,
    private readonly audit: AuditService,
    private readonly warnings: WarningsService,
  ) {}

  private async client(clientId: number) {
    const u = await this.users.findById(clientId);
    if (!u || u.role !== 'client') throw AppError.notFound('client');
    return { id: u.id, name: u.name, email: u.email };
  }

  /** The client's offboarding tab: their cases, and the way to open one. */
  async clientTab(clientId: number) {
    const [client, cases] = await Promise.all([this.client(clientId), this.ops.forClient(clientId)]);
    return { client, cases };
  }

  /** The first form: the client, their tickets to offer as evidence, and the end of the paid period to suggest. */
  async newForm(clientId: number) {
    const [client, history, grants, cases, lastWarning] = await Promise.all([
      this.client(clientId),
      this.ticketMetrics.clientHistory(clientId),
      this.grants.listAccessForClient(clientId, new Date()),
      this.ops.forClient(clientId),
      // seed 002: a last attempt first, where the client was not abusive — the form offers one, or names the last one
      this.warnings.latest(clientId),
    ]);
    const ends = grants.map((g) => g.endsAt).filter((d): d is Date => d !== null);
    const paidUntil = ends.length ? new Date(Math.max(...ends.map((d) => d.getTime()))) : null;
    return {
      client,
      tickets: history.tickets.map((tk) => ({ id: tk.id, subject: tk.subject, status: tk.status, createdAt: tk.createdAt })),
      paidUntil,
      lastWarning: lastWarning ? { createdAt: lastWarning.createdAt, createdByName: lastWarning.createdByName, followUpOn: lastWarning.followUpOn } : null,
      steps: OFFBOARDING_STEPS,
      // a client has one open case at a time: starting again leads to it
      openCase: cases.find((c) => OPEN_STATUSES.includes(c.status)) ?? null,
    };
  }

  /** The dry run, with money formatted and what the notice's variables are. */
  async preview(actor: OffboardingActor, clientId: number, input: CaseInput, locale: Locale) {
    const p = await this.ops.preview(actor, clientId, input);
    const money = (minor: number, currency: string) => formatMoney(minor, currency, locale);
    const currencies = [...new Set(p.refunds.map((r) => r.currency))];
    // the amount as the reader writes it (1500,00 in Russian); the form reads either mark
    const decimal = (minor: number) => (minor / 100).toFixed(2).replace('.', locale === 'ru' ? ',' : '.');
    return {
      preview: p,
      refunds: p.refunds.map((r) => {
        const leftMinor = Math.max(0, r.paidMinor - r.refundedMinor);
        return { ...r, leftMinor, paid: money(r.paidMinor, r.currency), refunded: money(r.refundedMinor, r.currency), left: money(leftMinor, r.currency), amountInput: decimal(r.amountMinor) };
      }),
      refundTotal: currencies.length === 1 ? money(p.refundTotalMinor, currencies[0]) : currencies.map((c) => money(p.refunds.filter((r) => r.currency === c).reduce((s, r) => s + r.amountMinor, 0), c)).join(' + '),
      variables: NOTICE_VARIABLES,
      hasStep: Object.fromEntries(OFFBOARDING_STEPS.map((s) => [s, p.steps.includes(s)])) as Record<StepName, boolean>,
    };
  }

  async list(filter: { status?: CaseStatus }, page: Page) {
    return this.ops.list(filter, page);
  }

  /** The case page: the case, each step in words, what the reader may do, and what reinstating can put back. */
  async casePage(caseId: number, role: Role, locale: Locale) {
    const c = await this.ops.get(caseId);
    const manage = canManage(role);
    const reinstate = manage && c.can.reinstate ? await this.ops.reinstateOptions(caseId) : null;
    return {
      c,
      evidence: c.evidence.map((e) => evidenceLink(e, locale)),
      steps: c.steps.map((s) => this.card(c, s, manage, locale)),
      can: { approve: manage && c.can.approve, cancel: manage && c.can.cancel, reinstate: reinstate !== null },
      reinstate,
      // reloads while a step is under way; a step waiting for a person (a manual refund) would only flicker
      refresh: c.status === 'running' && c.steps.some((s) => s.status === 'pending' || s.status === 'running' || s.status === 'retrying'),
    };
  }

  /** The printable record: the case page's facts and every audit entry about the case. */
  async record(caseId: number, role: Role, locale: Locale) {
    const page = await this.casePage(caseId, role, locale);
    // the workflow logs under the client, naming the case in the entry's summary
    const audit = await this.audit.search({ subjectType: 'client', subjectId: String(page.c.client.id), limit: 500, offset: 0 }, locale);
    return { ...page, audit: audit.items.filter((e) => e.summary.caseId === caseId).reverse(), printedAt: new Date() };
  }

  /** The record's print styles, put inline into a downloaded record so the file reads the same offline. */
  recordCss(): string {
    return (recordCss ??= fs.readFileSync(path.join(VIEWS_DIR, 'assets', 'offboarding-record.css'), 'utf8'));
  }

  async bulkForm(clientIds: number[]) {
    const clients = await Promise.all(clientIds.map((id) => this.client(id).catch(() => null)));
    return { clients: clients.filter((c) => c !== null), steps: OFFBOARDING_STEPS };
  }

  async bulkResult(actor: OffboardingActor, clientIds: number[], input: Omit<CaseInput, 'refunds' | 'grantIds'>, locale: Locale) {
    const res = await this.ops.openMany(actor, clientIds, input);
    const names = new Map((await this.bulkForm(clientIds)).clients.map((c) => [c.id, c]));
    return {
      opened: res.opened.map((o) => ({ ...o, client: names.get(o.clientId) ?? null })),
      refused: res.refused.map((r) => ({ ...r, client: names.get(r.clientId) ?? null, message: refusalText(locale, r.code) })),
    };
  }

  private card(c: CaseView, s: StepView, manage: boolean, locale: Locale): StepCard {
    const summary = s.result ? summarise(s.name, s.result, locale) : [];
    const refunds = s.name === 'refund' && s.result ? ((s.result as unknown as StepResults['refund']).refunds ?? []) : [];
    return {
      ...s,
      summary,
      confirmHref: refunds.some((r) => r.status === 'pending') ? `/admin/clients/${c.client.id}#orders` : null,
      canRetry: manage && (s.status === 'failed' || s.status === 'retrying'),
      canSkip: manage && (s.status === 'failed' || s.status === 'retrying'),
    };
  }
}

/** An evidence line: a ticket of ours by its number, another admin page or a web address as a link, else text. */
function evidenceLink(e: string, locale: Locale): { text: string; href: string | null } {
  const ticket = /^\/admin\/tickets\/(\d{1,9})$/.exec(e);
  if (ticket) return { text: translate(locale, 'offboarding_pages.case.ticket', { id: ticket[1] }), href: e };
  return { text: e, href: /^\/admin\/[\w\-/?=&.#]*$/.test(e) || /^https?:\/\/\S+$/i.test(e) ? e : null };
}

/** The refusals openMany() names, as a sentence (an unknown code is shown as it is). */
function refusalText(locale: Locale, code: string): string {
  switch (code) {
    case 'not_found':
    case 'offboarding.client_not_found':
      return translate(locale, 'offboarding_pages.bulk.refused_not_found');
    default:
      return translate(locale, 'offboarding_pages.bulk.refused_other', { code });
  }
}

/** A step's result in a few short lines ("Refunds: 2, 1,500.00 ₽ — 1 waiting for your confirmation"). */
export function summarise(name: StepName, result: Record<string, unknown>, locale: Locale): string[] {
  const t = (key: string, vars?: Record<string, unknown>) => translate(locale, key, vars);
  switch (name) {
    case 'notice': {
      const r = result as unknown as Partial<StepResults['notice']>;
      return [r.delivered ? t('offboarding_pages.summary.notice_delivered') : t('offboarding_pages.summary.notice_queued'), ...(r.ownerCopyOutboxId ? [t('offboarding_pages.summary.notice_owner_copy')] : [])];
    }
    case 'refund': {
      const refunds = (result as unknown as Partial<StepResults['refund']>).refunds ?? [];
      if (!refunds.length) return [t('offboarding_pages.summary.refund_none')];
      const byCurrency = new Map<string, number>();
      for (const r of refunds) byCurrency.set(r.currency, (byCurrency.get(r.currency) ?? 0) + r.amountMinor);
      const total = [...byCurrency].map(([cur, minor]) => formatMoney(minor, cur, locale)).join(' + ');
      const lines = [t('offboarding_pages.summary.refunds', { count: refunds.length, total })];
      const waiting = refunds.filter((r) => r.status === 'pending' || r.status === 'started' || r.status === 'unknown').length;
      const failed = refunds.filter((r) => r.status === 'failed').length;
      if (waiting) lines.push(t('offboarding_pages.summary.refunds_waiting', { count: waiting }));
      if (failed) lines.push(t('offboarding_pages.summary.refunds_failed', { count: failed }));
      return lines;
    }
    case 'revoke': {
      const r = result as unknown as Partial<StepResults['revoke']>;
      return [
        t('offboarding_pages.summary.revoke', { grants: r.grants?.length ?? 0, sessions: r.sessionsEnded ?? 0, keys: r.apiKeysRevoked ?? 0, tickets: r.ticketsClosed?.length ?? 0 }),
        ...(r.accountDisabled ? [t('offboarding_pages.summary.account_disabled')] : []),
      ];
    }
    case 'unsubscribe': {
      const r = result as unknown as Partial<StepResults['unsubscribe']>;
      return [t('offboarding_pages.summary.unsubscribe', { lists: r.lists?.length ?? 0, skipped: r.campaignRowsSkipped ?? 0 }), ...(r.suppressed ? [t('offboarding_pages.summary.suppressed')] : [])];
    }
    case 'ban': {
      const r = result as unknown as Partial<StepResults['ban']>;
      return [r.domain ? t('offboarding_pages.summary.ban_domain', { domain: r.domain }) : t('offboarding_pages.summary.ban_identity'), ...(r.created === false ? [t('offboarding_pages.summary.ban_existing')] : [])];
    }
  }
}
