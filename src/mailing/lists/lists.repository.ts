import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { Database } from '../../database/database.service';
import { MailingList } from './entities/mailing-list.entity';

/** Mailing lists themselves; who is on them is SubscribersRepository's. */
@Injectable()
export class ListsRepository {
  constructor(private readonly db: Database) {}

  findById(id: number, m: EntityManager = this.db.manager): Promise<MailingList | null> {
    return m.findOneBy(MailingList, { id });
  }

  findByIds(ids: number[], m: EntityManager = this.db.manager): Promise<MailingList[]> {
    if (!ids.length) return Promise.resolve([]);
    return m.find(MailingList, { where: { id: In(ids) }, order: { id: 'ASC' } });
  }

  /** Every list not archived (or only the public ones), oldest first: the order forms show them in. */
  listActive(opts: { publicOnly?: boolean } = {}, m: EntityManager = this.db.manager): Promise<MailingList[]> {
    const qb = m.createQueryBuilder(MailingList, 'l').where('l.archived_at IS NULL').orderBy('l.id', 'ASC');
    if (opts.publicOnly) qb.andWhere('l.is_public = :pub', { pub: true });
    return qb.getMany();
  }

  listAll(m: EntityManager = this.db.manager): Promise<MailingList[]> {
    return m.find(MailingList, { order: { id: 'ASC' } });
  }

  async insert(m: EntityManager, data: Pick<MailingList, 'name' | 'description' | 'listKey' | 'isPublic' | 'optIn'>): Promise<MailingList> {
    const now = new Date();
    const row = m.create(MailingList, { ...data, archivedAt: null, createdAt: now, updatedAt: now });
    await m.insert(MailingList, row);
    return row;
  }

  async update(m: EntityManager, id: number, patch: Partial<Pick<MailingList, 'name' | 'description' | 'isPublic' | 'optIn' | 'archivedAt'>>): Promise<void> {
    await m.update(MailingList, { id }, { ...patch, updatedAt: new Date() });
  }
}
