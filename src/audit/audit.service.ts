import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Locale } from '../config/config';
import { Actor } from './actor';
import { AuditEntryView, namesWanted, presentAuditEntry } from './audit-entry.view';
import { AuditNamesRepository } from './audit-names.repository';
import { AuditAction, SubjectType } from './audit-actions';
import { AuditFilter, AuditRepository } from './audit.repository';

export { SUBJECT_TYPES, type SubjectType } from './audit-actions';

export interface AuditRecord {
  action: AuditAction;
  subjectType?: SubjectType;
  subjectId?: string | number;
  before?: unknown;
  after?: unknown;
  extra?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly names: AuditNamesRepository,
  ) {}

  /** Written in the caller's transaction, so the log has an entry exactly when the change happened. */
  async record(m: EntityManager, actor: Actor, rec: AuditRecord): Promise<void> {
    await this.audit.append(m, auditRow(actor, rec, new Date()));
  }

  /**
   * Several entries in one INSERT, in the caller's transaction: for a bulk change (offboarding ends fifty grants
   * at once) where an entry per object is wanted but not a round trip per object.
   */
  async recordMany(m: EntityManager, actor: Actor, recs: AuditRecord[]): Promise<void> {
    if (!recs.length) return;
    const at = new Date();
    await this.audit.appendMany(
      m,
      recs.map((rec) => auditRow(actor, rec, at)),
    );
  }

  /** A page of the log as sentences in `locale`, with the objects it names looked up once per kind. */
  async search(f: AuditFilter, locale: Locale = 'en'): Promise<{ items: AuditEntryView[]; total: number; actions: string[] }> {
    const [rows, total] = await this.audit.search(f);
    const names = await this.names.resolve(namesWanted(rows));
    return { items: rows.map((r) => presentAuditEntry(locale, r, names)), total, actions: await this.audit.distinctActions() };
  }
}

/** The stored row of one entry: before/after folded into the summary, the actor's label and IP cut to their columns. */
function auditRow(actor: Actor, rec: AuditRecord, at: Date) {
  const summary: Record<string, unknown> = { ...rec.extra };
  if (rec.before !== undefined) summary.before = rec.before;
  if (rec.after !== undefined) summary.after = rec.after;
  return {
    actorUserId: actor.userId,
    actorLabel: actor.label.slice(0, 254),
    action: rec.action,
    subjectType: rec.subjectType ?? null,
    subjectId: rec.subjectId === undefined ? null : String(rec.subjectId),
    summary: JSON.stringify(summary),
    ip: actor.ip.slice(0, 45),
    createdAt: at,
  };
}
