import { Sort } from '../common/http/sorting';
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Page } from '../common/http/pagination';
import { Database } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { GrantEvent } from '../members/access/entities/grant-event.entity';
import { Grant } from '../members/access/entities/grant.entity';
import { activeGrantSql } from '../members/access/access-rule';
import { User } from '../users/entities/user.entity';
import { normaliseEmail } from '../common/email';
import { ClientNote } from './entities/client-note.entity';
import { ClientLabel, Label } from './entities/label.entity';

export interface ClientFilter {
  /** Substring of the email or the name. */
  search?: string;
  /** Exact email (case-insensitive). */
  email?: string;
  productId?: number;
  /** active: has a running grant (for `productId` if given); expired: has grants, none running. */
  status?: 'active' | 'expired';
  labelId?: number;
  /** Newest first unless asked otherwise. */
  sort?: Sort<ClientSortKey>;
}

export const CLIENT_SORT_KEYS = ['email', 'name', 'created'] as const;
export type ClientSortKey = (typeof CLIENT_SORT_KEYS)[number];
/** `created` orders by id: ids grow with creation time, and the primary key needs no index of its own. */
const CLIENT_SORT_COLUMNS: Record<ClientSortKey, string> = { email: 'u.email', name: 'u.name', created: 'u.id' };

export interface LabelRow {
  clientId: number;
  id: number;
  name: string;
}

/** Every query of the clients' admin: the list with its filters, notes, labels and grants of a page of clients. */
@Injectable()
export class ClientsRepository {
  constructor(private readonly db: Database) {}

  findClient(id: number, m: EntityManager = this.db.manager): Promise<User | null> {
    return m.findOneBy(User, { id, role: 'client' });
  }

  async search(f: ClientFilter, page: Page, now: Date): Promise<[User[], number]> {
    const qb = this.db.manager.createQueryBuilder(User, 'u').where("u.role = 'client'");
    if (f.search) {
      const pattern = (v: string) => `%${v.replace(/[!%_]/g, (c) => `!${c}`)}%`;
      // SQLite folds case for ASCII only, so a Cyrillic name is also matched as typed.
      qb.andWhere("(u.email LIKE :lower ESCAPE '!' OR LOWER(u.name) LIKE :lower ESCAPE '!' OR u.name LIKE :typed ESCAPE '!')", {
        lower: pattern(f.search.toLowerCase()),
        typed: pattern(f.search),
      });
    }
    if (f.email) qb.andWhere('u.email = :email', { email: normaliseEmail(f.email) });
    if (f.labelId) {
      qb.andWhere('EXISTS (SELECT 1 FROM client_labels cl WHERE cl.client_id = u.id AND cl.label_id = :labelId)', { labelId: f.labelId });
    }
    const product = f.productId ? ' AND g.product_id = :productId' : '';
    const params = { productId: f.productId, now: sqlDate(now) };
    const running = activeGrantSql('g', ':now');
    if (f.productId && !f.status) qb.andWhere(`EXISTS (SELECT 1 FROM grants g WHERE g.client_id = u.id${product})`, params);
    if (f.status === 'active') qb.andWhere(`EXISTS (SELECT 1 FROM grants g WHERE g.client_id = u.id${product} AND ${running})`, params);
    if (f.status === 'expired') {
      qb.andWhere(`EXISTS (SELECT 1 FROM grants g WHERE g.client_id = u.id${product})`, params);
      qb.andWhere(`NOT EXISTS (SELECT 1 FROM grants g WHERE g.client_id = u.id${product} AND ${running})`, params);
    }
    const sort = f.sort ?? { key: 'created', desc: true };
    qb.orderBy(CLIENT_SORT_COLUMNS[sort.key], sort.desc ? 'DESC' : 'ASC');
    if (sort.key !== 'created') qb.addOrderBy('u.id', 'DESC');
    return qb.take(page.limit).skip(page.offset).getManyAndCount();
  }

  /** Grants of a whole page of clients in one query, newest first. */
  grantsForClients(clientIds: number[]): Promise<Grant[]> {
    if (!clientIds.length) return Promise.resolve([]);
    return this.db.manager.find(Grant, { where: { clientId: In(clientIds) }, order: { id: 'DESC' } });
  }

  grantsForClientPage(clientId: number, page: Page): Promise<[Grant[], number]> {
    return this.db.manager.findAndCount(Grant, { where: { clientId }, order: { id: 'DESC' }, take: page.limit, skip: page.offset });
  }

  eventsForGrants(grantIds: number[]): Promise<GrantEvent[]> {
    if (!grantIds.length) return Promise.resolve([]);
    return this.db.manager.find(GrantEvent, { where: { grantId: In(grantIds) }, order: { id: 'ASC' } });
  }

  async labelsForClients(clientIds: number[]): Promise<LabelRow[]> {
    if (!clientIds.length) return [];
    const rows = await this.db.manager
      .createQueryBuilder(ClientLabel, 'cl')
      .innerJoin(Label, 'l', 'l.id = cl.label_id')
      .select('cl.client_id', 'clientId')
      .addSelect('l.id', 'id')
      .addSelect('l.name', 'name')
      .where('cl.client_id IN (:...clientIds)', { clientIds })
      .orderBy('l.name', 'ASC')
      .getRawMany<{ clientId: number | string; id: number | string; name: string }>();
    return rows.map((r) => ({ clientId: Number(r.clientId), id: Number(r.id), name: r.name }));
  }

  allLabels(): Promise<Label[]> {
    return this.db.manager.find(Label, { order: { name: 'ASC' } });
  }

  findLabelByName(m: EntityManager, name: string): Promise<Label | null> {
    return m.findOneBy(Label, { name });
  }

  insertLabel(m: EntityManager, name: string): Promise<Label> {
    return m.save(Label, m.create(Label, { name, createdAt: new Date() }));
  }

  async hasLabel(m: EntityManager, clientId: number, labelId: number): Promise<boolean> {
    return (await m.countBy(ClientLabel, { clientId, labelId })) > 0;
  }

  async attachLabel(m: EntityManager, clientId: number, labelId: number): Promise<void> {
    await m.insert(ClientLabel, { clientId, labelId });
  }

  /** True when the client had the label. */
  async detachLabel(m: EntityManager, clientId: number, labelId: number): Promise<boolean> {
    const res = await m.delete(ClientLabel, { clientId, labelId });
    return (res.affected ?? 0) > 0;
  }

  notesFor(clientId: number): Promise<ClientNote[]> {
    return this.db.manager.find(ClientNote, { where: { clientId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  insertNote(m: EntityManager, data: Pick<ClientNote, 'clientId' | 'authorId' | 'authorLabel' | 'body'>): Promise<ClientNote> {
    return m.save(ClientNote, m.create(ClientNote, { ...data, createdAt: new Date() }));
  }
}
