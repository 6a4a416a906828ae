import { Injectable } from '@nestjs/common';
import { Database, isUniqueViolation } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { InboundMessage, InboundStatus } from './entities/inbound-message.entity';

export type NewInboundMessage = Pick<
  InboundMessage,
  'receivedAt' | 'envelopeFrom' | 'envelopeTo' | 'messageId' | 'contentSha256' | 'size' | 'rawPath' | 'isAutomatic' | 'subject' | 'handler'
>;

@Injectable()
export class InboundMessagesRepository {
  constructor(private readonly db: Database) {}

  /** The new row's id, or null when the same message (Message-ID and content hash) is stored already. */
  async insert(row: NewInboundMessage): Promise<number | null> {
    try {
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

  async finish(id: number, result: { status: Exclude<InboundStatus, 'received'>; outcome: string | null; detail?: string | null; error?: string | null }): Promise<void> {
    await this.db.write((m) =>
      m.update(InboundMessage, { id }, {
        status: result.status,
        outcome: result.outcome?.slice(0, 64) ?? null,
        detail: result.detail?.slice(0, 500) ?? null,
        error: result.error?.slice(0, 4000) ?? null,
        handledAt: new Date(),
      }),
    );
  }
}
