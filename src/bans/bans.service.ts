import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { PasswordResetsRepository } from '../auth/password-resets.repository';
import { SessionsService } from '../auth/sessions.service';
import { AppError } from '../common/errors/app-error';
import { Page } from '../common/http/pagination';
import { Database } from '../database/database.service';
import { User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import { ActiveBan, BanCheck } from './ban-check';
import { BanFilter, BanState, BansRepository } from './bans.repository';
import { domainKey, emailKey, isPublicMailDomain } from './email-key';
import { Ban, BanKind } from './entities/ban.entity';

export interface BanCommand {
  /** An address (its identity is banned: `J.Doe+x@googlemail.com` bans `jdoe@gmail.com`) … */
  email?: string;
  /** … or a whole domain. Exactly one of the two. */
  domain?: string;
  /** Private: staff only. */
  reason: string;
  expiresAt?: Date | null;
  /** The offboarding case that bans; with it, a repeat of the same ban returns the first (the step is idempotent). */
  caseId?: number | null;
}

export interface BanView {
  id: number;
  kind: BanKind;
  /** The address key or the domain; null after anonymisation. */
  target: string | null;
  reason: string;
  state: BanState;
  expiresAt: Date | null;
  caseId: number | null;
  createdAt: Date;
  createdByName: string | null;
  liftedAt: Date | null;
  liftedByName: string | null;
  liftReason: string | null;
}

export const MAX_REASON = 2000;

export function banState(b: Pick<Ban, 'liftedAt' | 'expiresAt'>, now: Date): BanState {
  if (b.liftedAt) return 'lifted';
  if (b.expiresAt && b.expiresAt <= now) return 'expired';
  return 'active';
}

function toView(b: Ban & { createdByName?: string | null; liftedByName?: string | null }, now: Date): BanView {
  return {
    id: b.id,
    kind: b.kind,
    target: b.emailKey,
    reason: b.reason,
    state: banState(b, now),
    expiresAt: b.expiresAt,
    caseId: b.caseId,
    createdAt: b.createdAt,
    createdByName: b.createdByName ?? null,
    liftedAt: b.liftedAt,
    liftedByName: b.liftedByName ?? null,
    liftReason: b.liftReason,
  };
}

/**
 * Bans of an identity or a domain (issue 15, step 5), for the admin pages, the API and the offboarding workflow.
 * `ban()` and `lift()` run inside the caller's transaction. A ban ends, in that same transaction, every session and
 * every unused password link of each client account it covers, so the very next request of that client is
 * refused; enforcement points ask `findActive()` (BanCheck) before letting anyone in again.
 */
@Injectable()
export class BansService {
  constructor(
    private readonly db: Database,
    private readonly bans: BansRepository,
    private readonly check: BanCheck,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly resets: PasswordResetsRepository,
    private readonly audit: AuditService,
  ) {}

  /** The ban in force on this address now (by key, key HMAC or domain), or null; an expired ban is not. */
  findActive(email: string, now: Date = new Date(), m?: EntityManager): Promise<ActiveBan | null> {
    return this.check.findActive(email, now, m);
  }

  async ban(m: EntityManager, actor: Actor, cmd: BanCommand): Promise<{ ban: BanView; sessionsEnded: number; created: boolean }> {
    const now = new Date();
    const { kind, key } = this.target(cmd);
    const reason = (cmd.reason ?? '').trim();
    const fields: Record<string, string> = {};
    if (!reason) fields.reason = 'errors.required';
    else if (reason.length > MAX_REASON) fields.reason = 'bans.errors.reason_too_long';
    if (cmd.expiresAt && !(cmd.expiresAt > now)) fields.expiresAt = 'bans.errors.expiry_past';
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const keyHmac = this.check.keyHmac(key);

    const accounts = kind === 'address' ? await this.users.findByEmailKey(m, key) : await this.users.findByDomain(m, key);
    // A ban never locks staff out: an owner banning their own domain would lose the admin panel.
    if (accounts.some((u) => u.role !== 'client')) {
      throw new AppError('conflict', 'bans.covers_staff', 'bans.errors.covers_staff', { [kind === 'address' ? 'email' : 'domain']: 'bans.errors.covers_staff' });
    }
    const current = (await this.bans.historyOf(keyHmac, kind, m)).find((b) => banState(b, now) === 'active');
    if (current) {
      if (cmd.caseId != null && current.caseId === cmd.caseId) return { ban: toView(current, now), sessionsEnded: 0, created: false };
      throw new AppError('conflict', 'bans.already_banned', 'bans.errors.already_banned', { [kind === 'address' ? 'email' : 'domain']: 'bans.errors.already_banned' });
    }
    const ban = await this.bans.insert(m, {
      kind,
      emailKey: key,
      keyHmac,
      reason,
      expiresAt: cmd.expiresAt ?? null,
      caseId: cmd.caseId ?? null,
      createdBy: actor.userId,
      createdAt: now,
    });
    const sessionsEnded = await this.endAccess(m, accounts, now);
    await this.audit.record(m, actor, {
      action: 'ban.create',
      ...(accounts.length === 1 ? { subjectType: 'client' as const, subjectId: accounts[0].id } : {}),
      extra: { banId: ban.id, kind, name: key, expiresAt: ban.expiresAt, caseId: ban.caseId, sessionsEnded, accounts: accounts.length },
    });
    return { ban: toView(ban, now), sessionsEnded, created: true };
  }

  async lift(m: EntityManager, actor: Actor, id: number, liftReason: string): Promise<BanView> {
    const reason = (liftReason ?? '').trim();
    if (!reason) throw AppError.validation({ liftReason: 'errors.required' });
    if (reason.length > MAX_REASON) throw AppError.validation({ liftReason: 'bans.errors.reason_too_long' });
    const ban = await this.bans.findById(id, m);
    if (!ban) throw AppError.notFound('ban');
    const now = new Date();
    if (!(await this.bans.lift(m, id, actor.userId, reason, now))) throw new AppError('conflict', 'bans.already_lifted', 'bans.errors.already_lifted');
    await this.audit.record(m, actor, { action: 'ban.lift', extra: { banId: id, kind: ban.kind, name: ban.emailKey } });
    return toView({ ...ban, liftedAt: now, liftedBy: actor.userId, liftReason: reason }, now);
  }

  async search(filter: BanFilter, page: Page): Promise<{ items: BanView[]; total: number }> {
    const now = new Date();
    const [rows, total] = await this.bans.search(filter, now, page);
    return { items: rows.map((b) => toView(b, now)), total };
  }

  /** One ban with every earlier and later ban of the same identity (matched by HMAC, so anonymised ones too). */
  async show(id: number): Promise<{ ban: BanView; history: BanView[] }> {
    const ban = await this.bans.findById(id);
    if (!ban) throw AppError.notFound('ban');
    const now = new Date();
    const history = await this.bans.historyWithNames(ban.keyHmac, ban.kind);
    const named = history.find((b) => b.id === ban.id) ?? ban;
    return { ban: toView(named, now), history: history.map((b) => toView(b, now)) };
  }

  private target(cmd: BanCommand): { kind: BanKind; key: string } {
    const email = (cmd.email ?? '').trim();
    const domain = (cmd.domain ?? '').trim();
    if (email && domain) throw AppError.validation({ domain: 'bans.errors.one_target' });
    if (email) {
      const key = email.includes('@') ? emailKey(email) : null;
      if (!key) throw AppError.validation({ email: 'errors.email_invalid' });
      return { kind: 'address', key };
    }
    if (domain) {
      const key = domainKey(domain.replace(/^@/, ''));
      if (!key || domain.replace(/^@/, '').includes('@')) throw AppError.validation({ domain: 'bans.errors.domain_invalid' });
      if (isPublicMailDomain(key)) throw AppError.validation({ domain: 'bans.errors.public_domain' });
      return { kind: 'domain', key };
    }
    throw AppError.validation({ email: 'bans.errors.target_required' });
  }

  /** Sessions and unused password links of the accounts the ban covers end with it. */
  private async endAccess(m: EntityManager, accounts: User[], now: Date): Promise<number> {
    let ended = 0;
    for (const u of accounts) {
      ended += await this.sessions.endAllForUser(m, u.id);
      await this.resets.invalidateForUser(m, u.id, now);
    }
    return ended;
  }

  /** Runs `ban()` in its own transaction: for the admin page and the API, where nothing else happens with it. */
  banNow(actor: Actor, cmd: BanCommand) {
    return this.db.transaction((m) => this.ban(m, actor, cmd));
  }

  liftNow(actor: Actor, id: number, reason: string) {
    return this.db.transaction((m) => this.lift(m, actor, id, reason));
  }
}
