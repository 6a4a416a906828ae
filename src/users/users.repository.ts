import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull } from 'typeorm';
import { emailKey } from '../bans/email-key';
import { normaliseEmail } from '../common/email';
import { Database } from '../database/database.service';
import { SqliteStatements } from '../database/sqlite-statements';
import { Role, User } from './entities/user.entity';

@Injectable()
export class UsersRepository {
  /** SQLite: findById() as a prepared statement (asked on every inbound ticket mail, among others). */
  private readonly sqlite: SqliteStatements;

  constructor(private readonly db: Database) {
    this.sqlite = new SqliteStatements(db);
  }

  async findById(id: number, m: EntityManager = this.db.manager): Promise<User | null> {
    const s = this.sqlite.on(m);
    return s ? s.findOne(User, 'id = ?', [id]) : m.findOneBy(User, { id });
  }

  findByEmail(email: string, m: EntityManager = this.db.manager): Promise<User | null> {
    return m.findOneBy(User, { email: normaliseEmail(email) });
  }

  async ownerExists(m: EntityManager = this.db.manager): Promise<boolean> {
    return (await m.countBy(User, { role: 'owner' })) > 0;
  }

  /**
   * Inside a transaction that may go on to create the owner. On MySQL the read locks the owner range of
   * `ix_users_role` (FOR UPDATE), so of two racing transactions one waits or is picked as a deadlock victim
   * instead of both inserting an owner; SQLite transactions begin IMMEDIATE and are serialised already.
   */
  async ownerExistsForUpdate(m: EntityManager): Promise<boolean> {
    const qb = m.createQueryBuilder(User, 'u').select('u.id').where('u.role = :role', { role: 'owner' }).limit(1);
    if (this.db.isMysql) qb.setLock('pessimistic_write');
    return (await qb.getRawOne()) !== undefined;
  }

  async insert(m: EntityManager, data: Pick<User, 'email' | 'name' | 'role' | 'passwordHash' | 'locale'>): Promise<User> {
    const now = new Date();
    const email = normaliseEmail(data.email);
    // email_key is written wherever email is (only here today): bans match on it.
    const user = m.create(User, { ...data, email, emailKey: emailKey(email), timeZone: null, createdAt: now, updatedAt: now, disabledAt: null });
    return m.save(User, user);
  }

  /** The accounts whose address has this identity key (an address ban) or is at this domain (a domain ban). */
  findByEmailKey(m: EntityManager, key: string): Promise<User[]> {
    return m.findBy(User, { emailKey: key });
  }

  findByDomain(m: EntityManager, domain: string): Promise<User[]> {
    // `domain` is a domainKey(): letters, digits, dots and hyphens only, nothing LIKE would read as a wildcard.
    return m.createQueryBuilder(User, 'u').where('u.email_key LIKE :p', { p: `%@${domain}` }).getMany();
  }

  async listEmailsByRole(role: Role, m: EntityManager = this.db.manager): Promise<string[]> {
    return (await m.find(User, { where: { role, disabledAt: IsNull() }, select: { id: true, email: true }, order: { id: 'ASC' } })).map((u) => u.email);
  }

  /** A closed account (offboarding) cannot log in, and its sessions resolve to no one; null re-opens it. */
  async setDisabled(m: EntityManager, id: number, at: Date | null): Promise<boolean> {
    const res = await m.update(User, { id }, { disabledAt: at, updatedAt: new Date() });
    return (res.affected ?? 0) > 0;
  }

  async setPasswordHash(m: EntityManager, id: number, passwordHash: string): Promise<void> {
    await m.update(User, { id }, { passwordHash, updatedAt: new Date() });
  }

  async setLocale(id: number, locale: string | null): Promise<void> {
    await this.db.write((m) => m.update(User, { id }, { locale: locale as User['locale'], updatedAt: new Date() }));
  }

  async setTimeZone(id: number, timeZone: string | null): Promise<void> {
    await this.db.write((m) => m.update(User, { id }, { timeZone, updatedAt: new Date() }));
  }

  async countByRole(): Promise<Record<string, number>> {
    const rows = await this.db.manager
      .createQueryBuilder(User, 'u')
      .select('u.role', 'role')
      .addSelect('COUNT(*)', 'n')
      .groupBy('u.role')
      .getRawMany<{ role: string; n: string | number }>();
    return Object.fromEntries(rows.map((r) => [r.role, Number(r.n)]));
  }

  listByRoles(roles: Role[], limit: number, offset: number): Promise<[User[], number]> {
    return this.db.manager.findAndCount(User, {
      where: { role: In(roles) },
      order: { id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }
}
