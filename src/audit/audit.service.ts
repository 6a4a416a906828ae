import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from './actor';
import { AuditFilter, AuditRepository } from './audit.repository';

/** What an audit entry can be about; the audit page filters by these (labels under `subject_types.*`). */
export const SUBJECT_TYPES = ['access_key', 'api_key', 'campaign', 'client', 'mailing_list', 'product', 'subscriber', 'user'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

export interface AuditRecord {
  action: string;
  subjectType?: SubjectType;
  subjectId?: string | number;
  before?: unknown;
  after?: unknown;
  extra?: Record<string, unknown>;
}

export interface AuditEntryView {
  id: number;
  at: Date;
  actor: string;
  action: string;
  subject: string;
  summary: Record<string, unknown>;
  ip: string;
}

@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /** Written in the caller's transaction, so the log has an entry exactly when the change happened. */
  async record(m: EntityManager, actor: Actor, rec: AuditRecord): Promise<void> {
    const summary: Record<string, unknown> = { ...rec.extra };
    if (rec.before !== undefined) summary.before = rec.before;
    if (rec.after !== undefined) summary.after = rec.after;
    await this.audit.append(m, {
      actorUserId: actor.userId,
      actorLabel: actor.label.slice(0, 254),
      action: rec.action,
      subjectType: rec.subjectType ?? null,
      subjectId: rec.subjectId === undefined ? null : String(rec.subjectId),
      summary: JSON.stringify(summary),
      ip: actor.ip.slice(0, 45),
      createdAt: new Date(),
    });
  }

  async search(f: AuditFilter): Promise<{ items: AuditEntryView[]; total: number; actions: string[] }> {
    const [rows, total] = await this.audit.search(f);
    return {
      items: rows.map((r) => ({
        id: r.id,
        at: r.createdAt,
        actor: r.actorLabel,
        action: r.action,
        subject: r.subjectType ? `${r.subjectType}${r.subjectId ? ` #${r.subjectId}` : ''}` : '',
        summary: safeParse(r.summary),
        ip: r.ip,
      })),
      total,
      actions: await this.audit.distinctActions(),
    };
  }
}

function safeParse(s: string): Record<string, unknown> {
  try {
    return JSON.parse(s);
  } catch {
    return { raw: s };
  }
}
