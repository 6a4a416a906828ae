import { Injectable } from '@nestjs/common';
import { Brackets, EntityManager, IsNull } from 'typeorm';
import { Database } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { SqliteStatements } from '../database/sqlite-statements';
import { Page } from '../common/http/pagination';
import { Ban, BanKind } from './entities/ban.entity';

/** active: not lifted and not expired; lifted; expired: ran out without being lifted. */
export type BanState = 'active' | 'lifted' | 'expired';

export interface BanFilter {
  state?: BanState;
  /** Part of the key (address or domain). */
  q?: string;
}

/** One identity to look for: its key and its HMAC, for the address and for its domain. */
export interface BanProbe {
  addressKey: string;
  addressHmac: string;
  domainKey: string | null;
  domainHmac: string | null;
}

/** findActive() as one prepared statement (SQLite): without a domain its two parameters are NULL, which match nothing. */
const ACTIVE_BAN_WHERE =
  `lifted_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND ((kind = 'address' AND (key_hmac = ? OR email_key = ?)) OR (kind = 'domain' AND (key_hmac = ? OR email_key = ?))) ORDER BY id DESC`;

@Injectable()
export class BansRepository {
  /** SQLite: findActive() is asked on every login, order and inbound mail. */
  private readonly sqlite: SqliteStatements;

  constructor(private readonly db: Database) {
    this.sqlite = new SqliteStatements(db);
  }

  insert(m: EntityManager, data: Omit<Ban, 'id' | 'liftedAt' | 'liftedBy' | 'liftReason'>): Promise<Ban> {
    return m.save(Ban, m.create(Ban, { ...data, liftedAt: null, liftedBy: null, liftReason: null }));
  }

  findById(id: number, m: EntityManager = this.db.manager): Promise<Ban | null> {
    return m.findOneBy(Ban, { id });
  }

  /**
   * The newest ban in force on this identity: its address (by key, or by HMAC once the key was cleared) or its
   * domain. One indexed query; `now` decides expiry.
   */
  async findActive(probe: BanProbe, now: Date, m: EntityManager = this.db.manager): Promise<Ban | null> {
    const s = this.sqlite.on(m);
    if (s) return s.findOne(Ban, ACTIVE_BAN_WHERE, [sqlDate(now), probe.addressHmac, probe.addressKey, probe.domainKey ? probe.domainHmac : null, probe.domainKey]);
    const qb = m
      .createQueryBuilder(Ban, 'b')
      .where('b.lifted_at IS NULL')
      .andWhere(new Brackets((w) => w.where('b.expires_at IS NULL').orWhere('b.expires_at > :now', { now: sqlDate(now) })))
      .andWhere(
        new Brackets((w) => {
          w.where(`b.kind = 'address' AND (b.key_hmac = :ah OR b.email_key = :ak)`, { ah: probe.addressHmac, ak: probe.addressKey });
          if (probe.domainKey) w.orWhere(`b.kind = 'domain' AND (b.key_hmac = :dh OR b.email_key = :dk)`, { dh: probe.domainHmac, dk: probe.domainKey });
        }),
      )
      .orderBy('b.id', 'DESC')
      .limit(1);
    return (await qb.getOne()) ?? null;
  }

  /** Every ban made on this key (its HMAC), newest first: whether one is in force. */
  /** The bans an offboarding case made that are still in force (its address ban and its domain ban). */
  activeOfCase(caseId: number, now: Date, m: EntityManager = this.db.manager): Promise<Ban[]> {
    return m
      .createQueryBuilder(Ban, 'b')
      .where('b.case_id = :caseId AND b.lifted_at IS NULL AND (b.expires_at IS NULL OR b.expires_at > :now)', { caseId, now: sqlDate(now) })
      .orderBy('b.id', 'ASC')
      .getMany();
  }

  historyOf(keyHmac: string, kind: BanKind, m: EntityManager = this.db.manager): Promise<Ban[]> {
    return m.find(Ban, { where: { keyHmac, kind }, order: { id: 'DESC' }, take: 50 });
  }

  /** The same with who banned and who lifted, for the ban's page. */
  async historyWithNames(keyHmac: string, kind: BanKind): Promise<NamedBan[]> {
    const qb = this.named().where('b.key_hmac = :keyHmac AND b.kind = :kind', { keyHmac, kind }).orderBy('b.id', 'DESC').limit(50);
    const { entities, raw } = await qb.getRawAndEntities();
    return withNames(entities, raw);
  }

  private named() {
    return this.db.manager
      .createQueryBuilder(Ban, 'b')
      .leftJoin('users', 'cu', 'cu.id = b.created_by')
      .leftJoin('users', 'lu', 'lu.id = b.lifted_by')
      .select(['b'])
      .addSelect('cu.name', 'cu_name')
      .addSelect('cu.email', 'cu_email')
      .addSelect('lu.name', 'lu_name')
      .addSelect('lu.email', 'lu_email');
  }

  /** Lifts a ban still unlifted; false when it was lifted already (a second click). */
  async lift(m: EntityManager, id: number, by: number | null, reason: string, at: Date): Promise<boolean> {
    const res = await m.update(Ban, { id, liftedAt: IsNull() }, { liftedAt: at, liftedBy: by, liftReason: reason });
    return (res.affected ?? 0) > 0;
  }

  /** Anonymisation: the key goes, the HMAC stays (the ban still matches the same person). */
  async clearKeysFor(m: EntityManager, keyHmac: string): Promise<void> {
    await m.update(Ban, { keyHmac, kind: 'address' }, { emailKey: null });
  }

  async search(f: BanFilter, now: Date, page: Page): Promise<[NamedBan[], number]> {
    const qb = this.named();
    const n = { now: sqlDate(now) };
    if (f.state === 'active') qb.andWhere('b.lifted_at IS NULL').andWhere(new Brackets((w) => w.where('b.expires_at IS NULL').orWhere('b.expires_at > :now', n)));
    else if (f.state === 'lifted') qb.andWhere('b.lifted_at IS NOT NULL');
    else if (f.state === 'expired') qb.andWhere('b.lifted_at IS NULL').andWhere('b.expires_at <= :now', n);
    if (f.q) qb.andWhere('b.email_key LIKE :q', { q: `%${f.q.toLowerCase().replace(/[\\%_]/g, '')}%` });
    const total = await qb.getCount();
    const { entities, raw } = await qb.orderBy('b.created_at', 'DESC').addOrderBy('b.id', 'DESC').offset(page.offset).limit(page.limit).getRawAndEntities();
    return [withNames(entities, raw), total];
  }
}

export type NamedBan = Ban & { createdByName: string | null; liftedByName: string | null };

function withNames(entities: Ban[], raw: Record<string, unknown>[]): NamedBan[] {
  const who = (name: unknown, email: unknown) => (name ? String(name) : email ? String(email) : null);
  return entities.map((b, i) => ({ ...b, createdByName: who(raw[i].cu_name, raw[i].cu_email), liftedByName: who(raw[i].lu_name, raw[i].lu_email) }));
}
