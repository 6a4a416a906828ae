import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { randomToken, sha256 } from '../common/crypto';
import { User } from '../users/entities/user.entity';
import { Session } from './entities/session.entity';
import { SessionsRepository } from './sessions.repository';

const DAY = 86400_000;
/** Sliding expiry is refreshed at most this often, so reads stay reads. */
const TOUCH_EVERY_MS = 5 * 60_000;

export interface SessionView {
  id: number;
  ip: string;
  userAgent: string;
  /** "Firefox on Windows": the user agent in words, or '' when it cannot be told. */
  device: string;
  createdAt: Date;
  lastSeenAt: Date;
  current: boolean;
}

@Injectable()
export class SessionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
  ) {}

  /** A fresh random token for every login; the cookie holds the token, the table only its hash. */
  async start(m: EntityManager, userId: number, ip: string, userAgent: string): Promise<{ token: string; session: Session }> {
    const token = randomToken(32);
    const now = new Date();
    const session = await this.sessions.insert(m, {
      tokenHash: sha256(token),
      userId,
      ip: ip.slice(0, 45),
      userAgent: userAgent.slice(0, 255),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.config.sessionTtlDays * DAY),
    });
    return { token, session };
  }

  /** Looked up on every request, so ending a session takes effect on the very next one. */
  async resolve(token: string | undefined): Promise<{ session: Session; user: User } | null> {
    if (!token || token.length > 100) return null;
    const found = await this.sessions.findWithUser(sha256(token));
    if (!found) return null;
    const now = new Date();
    if (found.session.expiresAt <= now || found.user.disabledAt) return null;
    if (now.getTime() - found.session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.sessions.touch(found.session.id, now, new Date(now.getTime() + this.config.sessionTtlDays * DAY));
    }
    return found;
  }

  async list(userId: number, currentId?: number): Promise<SessionView[]> {
    return (await this.sessions.listForUser(userId)).map((s) => ({
      id: s.id,
      ip: s.ip,
      userAgent: s.userAgent,
      device: describeDevice(s.userAgent),
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      current: s.id === currentId,
    }));
  }

  end(m: EntityManager, sessionId: number): Promise<void> {
    return this.sessions.deleteById(m, sessionId);
  }

  endAllForUser(m: EntityManager, userId: number, exceptSessionId?: number): Promise<number> {
    return this.sessions.deleteForUser(m, userId, exceptSessionId);
  }
}

const BROWSERS: [RegExp, string][] = [
  [/Edg(e|A|iOS)?\//, 'Edge'],
  [/OPR\/|Opera/, 'Opera'],
  [/YaBrowser\//, 'Yandex Browser'],
  [/Firefox\/|FxiOS/, 'Firefox'],
  [/Chrome\/|CriOS|Chromium/, 'Chrome'],
  [/Safari\//, 'Safari'],
];
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad|iOS/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

export function describeDevice(ua: string): string {
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1];
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1];
  if (browser && system) return `${browser}, ${system}`;
  return browser ?? system ?? '';
}
