import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig, Locale } from '../config/config';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { randomToken, sha256 } from '../common/crypto';
import { Database } from '../database/database.service';
import { MailService } from '../mail/mail.service';
import { Limit, ThrottleService } from '../throttle/throttle.service';
import { User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import { isEmail, normaliseEmail } from '../common/email';
import { UsersService } from '../users/users.service';
import { PasswordLinkKind } from './entities/password-reset.entity';
import { PasswordResetsRepository } from './password-resets.repository';
import { SessionsService } from './sessions.service';
import { BanCheck } from '../bans/ban-check';

export interface ClientInfo {
  ip: string;
  userAgent: string;
  locale: Locale;
}


@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly users: UsersRepository,
    private readonly usersService: UsersService,
    private readonly sessions: SessionsService,
    private readonly resets: PasswordResetsRepository,
    private readonly throttle: ThrottleService,
    private readonly mail: MailService,
    private readonly audit: AuditService,
    private readonly bans: BanCheck,
  ) {}

  private loginLimits(email: string, ip: string): Limit[] {
    const windowMs = this.config.login.windowMinutes * 60_000;
    return [
      { bucket: `login:account:${normaliseEmail(email).slice(0, 170)}`, max: this.config.login.maxPerAccount, windowMs },
      { bucket: `login:ip:${ip}`, max: this.config.login.maxPerIp, windowMs },
    ];
  }

  /**
   * Failed attempts count per account and per IP in the database; when either is full the answer is 429
   * until its window ends, even for the right password, and even after a restart.
   */
  async login(email: string, password: string, client: ClientInfo): Promise<{ token: string; user: User }> {
    const fields: Record<string, string> = {};
    if (!email?.trim()) fields.email = 'errors.required';
    if (!password) fields.password = 'errors.required';
    if (Object.keys(fields).length) throw AppError.validation(fields);

    const [account, ip] = this.loginLimits(email, client.ip);
    // Counted before the password is checked, so parallel guesses cannot slip past the limit together.
    await this.throttle.take([account, ip]);
    const user = await this.users.findByEmail(email);
    const ok = await this.usersService.verifyPassword(user, password);
    if (!ok || !user) throw new AppError('unauthenticated', 'auth.invalid_credentials', 'auth.invalid_credentials', {}, {});
    // Only failures count: a success clears the account's count and takes its own attempt back from the address's.
    await this.throttle.reset(account.bucket);
    await this.throttle.giveBack([ip]);
    // An account closed by offboarding: with the right password, say so politely (as for a ban), rather than
    // "wrong password", which sends the person round the password reset for nothing.
    if (user.disabledAt) throw new AppError('forbidden', 'auth.account_closed', 'auth.account_closed', {}, {});
    // Asked only once the password is right, so the login form tells a stranger nothing about bans. Staff are
    // never banned (BansService refuses to), so only clients are asked.
    if (user.role === 'client' && (await this.bans.findActive(user.email))) {
      throw new AppError('forbidden', 'bans.login_refused', 'bans.login_refused', {}, {});
    }
    return this.db.transaction(async (m) => {
      const { token } = await this.sessions.start(m, user.id, client.ip, client.userAgent);
      await this.audit.record(m, actorOf(user, client.ip), { action: 'auth.login', subjectType: 'user', subjectId: user.id });
      return { token, user };
    });
  }

  async logout(sessionId: number): Promise<void> {
    await this.db.transaction((m) => this.sessions.end(m, sessionId));
  }

  /** Ends every session of `userId` (the caller's own too unless `keepSessionId` is given). */
  async endAllSessions(actor: Actor, userId: number, keepSessionId?: number): Promise<number> {
    return this.db.transaction(async (m) => {
      const target = await this.users.findById(userId, m);
      if (!target) throw AppError.notFound('user');
      const ended = await this.sessions.endAllForUser(m, userId, keepSessionId);
      await this.audit.record(m, actor, { action: 'auth.sessions_ended', subjectType: 'user', subjectId: userId, extra: { ended } });
      return ended;
    });
  }

  /** Same answer whether or not the address has an account, so the form cannot be used to find accounts. */
  async requestPasswordReset(email: string, client: ClientInfo): Promise<void> {
    if (!isEmail(email?.trim())) throw AppError.validation({ email: 'errors.email_invalid' });
    const windowMs = 15 * 60_000;
    await this.throttle.take([
      { bucket: `reset:ip:${client.ip}`, max: 10, windowMs },
      { bucket: `reset:account:${normaliseEmail(email).slice(0, 170)}`, max: 3, windowMs },
    ]);
    const user = await this.users.findByEmail(email);
    if (!user || user.disabledAt) return;
    // A banned address gets no mail and the very same answer as an unknown one: the form is no oracle of bans.
    if (user.role === 'client' && (await this.bans.findActive(user.email))) return;
    const token = randomToken(32);
    await this.db.transaction(async (m) => {
      await this.resets.insert(m, {
        tokenHash: sha256(token),
        userId: user.id,
        expiresAt: new Date(Date.now() + this.config.passwordResetTtlMinutes * 60_000),
      });
      await this.mail.enqueue(m, {
        to: user.email,
        template: 'password-reset',
        locale: user.locale ?? client.locale,
        timeZone: user.timeZone,
        vars: {
          name: user.name,
          link: `${this.config.appUrl}/password/reset/${token}`,
          minutes: this.config.passwordResetTtlMinutes,
          ip: client.ip,
        },
      });
    });
  }

  /** The kind of a set-password link that still works (its page says "welcome" or "reset"), or null. */
  async usableLinkKind(token: string): Promise<PasswordLinkKind | null> {
    if (!token || token.length > 100) return null;
    return (await this.resets.findUsable(this.db.manager, sha256(token), new Date()))?.kind ?? null;
  }

  /**
   * Sets the password through a reset or welcome link and logs the person in: every other session of the account
   * ends, and a new one starts in the same transaction (none for a disabled account, which goes to the login page).
   */
  async resetPassword(token: string, password: string, confirm: string, client: ClientInfo): Promise<{ user: User; sessionToken: string | null }> {
    const fields = { ...this.usersService.validatePassword(password) };
    if (password !== confirm) fields.confirm = 'errors.password_mismatch';
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const hash = await this.usersService.hashPassword(password);
    return this.db.transaction(async (m) => {
      const now = new Date();
      const reset = token && token.length <= 100 ? await this.resets.findUsable(m, sha256(token), now) : null;
      if (!reset || !(await this.resets.consume(m, reset.id, now))) {
        throw new AppError('bad_request', 'auth.reset_link_invalid', 'auth.reset_link_invalid');
      }
      const user = await this.users.findById(reset.userId, m);
      if (!user) throw new AppError('bad_request', 'auth.reset_link_invalid', 'auth.reset_link_invalid');
      await this.applyNewPassword(m, user, hash, undefined, client);
      if (user.disabledAt) return { user, sessionToken: null };
      // BansService.ban() voids every unused link; a link sent after the ban still sets no session.
      if (user.role === 'client' && (await this.bans.findActive(user.email, now, m))) return { user, sessionToken: null };
      const { token: sessionToken } = await this.sessions.start(m, user.id, client.ip, client.userAgent);
      await this.audit.record(m, actorOf(user, client.ip), { action: 'auth.login', subjectType: 'user', subjectId: user.id, extra: { via: reset.kind } });
      return { user, sessionToken };
    });
  }

  async changePassword(user: User, sessionId: number, current: string, password: string, confirm: string, client: ClientInfo): Promise<number> {
    const fields = { ...this.usersService.validatePassword(password) };
    if (password !== confirm) fields.confirm = 'errors.password_mismatch';
    if (!(await this.usersService.verifyPassword(user, current ?? ''))) fields.current = 'errors.password_wrong';
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const hash = await this.usersService.hashPassword(password);
    return this.db.transaction((m) => this.applyNewPassword(m, user, hash, sessionId, client));
  }

  private async applyNewPassword(
    m: EntityManager,
    user: User,
    hash: string,
    keepSessionId: number | undefined,
    client: ClientInfo,
  ): Promise<number> {
    const now = new Date();
    await this.users.setPasswordHash(m, user.id, hash);
    await this.resets.invalidateForUser(m, user.id, now);
    const ended = await this.sessions.endAllForUser(m, user.id, keepSessionId);
    // A first password (from a welcome link) changes nothing anybody had: no "your password was changed" alarm.
    if (user.passwordHash) await this.mail.enqueue(m, {
      to: user.email,
      template: 'password-changed',
      locale: user.locale ?? client.locale,
      timeZone: user.timeZone,
      vars: { name: user.name, at: now, ip: client.ip, loginUrl: `${this.config.appUrl}/password/forgot` },
    });
    await this.audit.record(m, actorOf(user, client.ip), {
      action: 'auth.password_changed',
      subjectType: 'user',
      subjectId: user.id,
      extra: { sessionsEnded: ended },
    });
    return ended;
  }
}

export function actorOf(user: Pick<User, 'id' | 'email'>, ip: string): Actor {
  return { userId: user.id, label: user.email, ip };
}
