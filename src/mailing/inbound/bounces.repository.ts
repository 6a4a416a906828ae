import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';

export interface BouncedRecipient {
  id: number;
  campaignId: number;
  subscriberId: number;
  status: string;
}

/** The campaign rows a VERP return path names (bounce+r<id>@…). */
@Injectable()
export class BouncesRepository {
  constructor(private readonly db: Database) {}

  async findRecipient(id: number, m: EntityManager = this.db.manager): Promise<BouncedRecipient | null> {
    const rows: { id: number; campaign_id: number; subscriber_id: number; status: string }[] = await m.query(
      'SELECT id, campaign_id, subscriber_id, status FROM campaign_recipients WHERE id = ?',
      [id],
    );
    const r = rows[0];
    return r ? { id: Number(r.id), campaignId: Number(r.campaign_id), subscriberId: Number(r.subscriber_id), status: r.status } : null;
  }

  /**
   * A row that went out (or may have: `unknown`) and came back as a hard bounce or a complaint. The campaign
   * counts it as bounced from now on; last_error keeps what the report said.
   */
  async markRecipientBounced(m: EntityManager, id: number, detail: string): Promise<void> {
    await m.query(`UPDATE campaign_recipients SET status = 'bounced', last_error = ? WHERE id = ? AND status IN ('sent', 'unknown')`, [detail.slice(0, 500), id]);
  }
}
