import { Injectable } from '@nestjs/common';
import { Database, isUniqueViolation } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import type { SqliteConnection } from '../database/sqlite-connection';
import { SqliteOpsHost, sqliteOpsHost } from '../database/sqlite-ops';
import { InboundMessage, InboundStatus } from './entities/inbound-message.entity';

export type NewInboundMessage = Pick<
  InboundMessage,
  'receivedAt' | 'envelopeFrom' | 'envelopeTo' | 'messageId' | 'contentSha256' | 'size' | 'rawPath' | 'isAutomatic' | 'subject' | 'handler'
>;

type Finish = { status: Exclude<InboundStatus, 'received'>; outcome: string | null; detail?: string | null; error?: string | null };

/**
 * SQLite: the two writes every received message makes (its row, then the outcome), as prepared statements run
 * synchronously on the writer (see sqliteOpsHost): no query builder and no query runner per message. The same
 * columns and values as the TypeORM path MySQL takes.
 */
function sqliteInboundOps(conn: SqliteConnection) {
  const insert = conn.prepare(
    `INSERT INTO inbound_messages (received_at, envelope_from, envelope_to, message_id, content_sha256, size, raw_path, is_automatic, subject, handler, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received')`,
  );
  const finish = conn.prepare(`UPDATE inbound_messages SET status = ?, outcome = ?, detail = ?, error = ?, handled_at = ? WHERE id = ?`);
  return {
    insert(r: NewInboundMessage): number {
      const res = insert.run(sqlDate(r.receivedAt), r.envelopeFrom, r.envelopeTo, r.messageId, r.contentSha256, r.size, r.rawPath, r.isAutomatic ? 1 : 0, r.subject, r.handler);
      return Number(res.lastInsertRowid);
    },
    finish(id: number, f: Required<Finish>, at: string): void {
      finish.run(f.status, f.outcome, f.detail, f.error, at, id);
    },
  };
}

@Injectable()
export class InboundMessagesRepository {
  private readonly sqlite: SqliteOpsHost<ReturnType<typeof sqliteInboundOps>> | null;

  constructor(private readonly db: Database) {
    this.sqlite = db.isMysql ? null : sqliteOpsHost(db, sqliteInboundOps, undefined);
  }

  /** The new row's id, or null when the same message (Message-ID and content hash) is stored already. */
  async insert(row: NewInboundMessage): Promise<number | null> {
    try {
      if (this.sqlite) return await this.sqlite.run('insert', row);
      return await this.db.write(async (m) => {
        const r = await m.insert(InboundMessage, { ...row, status: 'received', outcome: null, detail: null, error: null, handledAt: null });
        return Number(r.identifiers[0].id);
      });
    } catch (e) {
      if (isUniqueViolation(e)) return null;
      throw e;
    }
  }

  findByIdentity(messageId: string, contentSha256: string): Promise<InboundMessage | null> {
    return this.db.manager.findOneBy(InboundMessage, { messageId, contentSha256 });
  }

  findById(id: number): Promise<InboundMessage | null> {
    return this.db.manager.findOneBy(InboundMessage, { id });
  }

  /**
   * A message whose handling failed (answered 451) is handled again when the sender retries; so is one left
   * `received` since `staleBefore` (the process died while handling it, and the sender never got an answer).
   * Whoever flips it back first does it; a delivery racing it is a duplicate.
   */
  async retake(id: number, staleBefore: Date): Promise<boolean> {
    const r = await this.db.write((m) =>
      m
        .createQueryBuilder()
        .update(InboundMessage)
        .set({ status: 'received', error: null, receivedAt: new Date() })
        .where('id = :id', { id })
        .andWhere("(status = 'failed' OR (status = 'received' AND received_at < :stale))", { stale: sqlDate(staleBefore) })
        .execute(),
    );
    return (r.affected ?? 0) > 0;
  }

  async finish(id: number, result: Finish): Promise<void> {
    const f: Required<Finish> = {
      status: result.status,
      outcome: result.outcome?.slice(0, 64) ?? null,
      detail: result.detail?.slice(0, 500) ?? null,
      error: result.error?.slice(0, 4000) ?? null,
    };
    if (this.sqlite) return this.sqlite.run('finish', id, f, sqlDate(new Date()));
    await this.db.write((m) => m.update(InboundMessage, { id }, { ...f, handledAt: new Date() }));
  }
}
