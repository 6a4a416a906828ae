import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { insertRows } from '../database/raw';
import { sqlDate } from '../database/sql-date';
import { AuditEntry } from './entities/audit-entry.entity';

export interface AuditFilter {
  action?: string;
  actor?: string;
  subjectType?: string;
  subjectId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

/** Append-only: there is deliberately no update or delete here. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: Database) {}

  async append(m: EntityManager, entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await m.insert(AuditEntry, entry);
  }

  /** Many entries in one statement (chunked, so no engine's limit on bound parameters is reached). */
  async appendMany(m: EntityManager, entries: Omit<AuditEntry, 'id'>[]): Promise<void> {
    await insertRows(
      m,
      'audit_log',
      ['actor_user_id', 'actor_label', 'action', 'subject_type', 'subject_id', 'summary', 'ip', 'created_at'],
      entries.map((e) => [e.actorUserId, e.actorLabel, e.action, e.subjectType, e.subjectId, e.summary, e.ip, sqlDate(e.createdAt)]),
    );
  }

  search(f: AuditFilter): Promise<[AuditEntry[], number]> {
    const qb = this.db.manager.createQueryBuilder(AuditEntry, 'a').orderBy('a.id', 'DESC').take(f.limit).skip(f.offset);
    if (f.action) qb.andWhere('a.action LIKE :action', { action: `${f.action}%` });
    if (f.actor) qb.andWhere('a.actor_label LIKE :actor', { actor: `%${f.actor.toLowerCase()}%` });
    if (f.subjectType) qb.andWhere('a.subject_type = :st', { st: f.subjectType });
    if (f.subjectId) qb.andWhere('a.subject_id = :sid', { sid: f.subjectId });
    if (f.from) qb.andWhere('a.created_at >= :from', { from: sqlDate(f.from) });
    if (f.to) qb.andWhere('a.created_at < :to', { to: sqlDate(f.to) });
    return qb.getManyAndCount();
  }

  distinctActions(): Promise<string[]> {
    return this.db.manager
      .createQueryBuilder(AuditEntry, 'a')
      .select('DISTINCT a.action', 'action')
      .orderBy('a.action', 'ASC')
      .getRawMany<{ action: string }>()
      .then((rows) => rows.map((r) => r.action));
  }
}
