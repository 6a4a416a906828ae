import { Injectable } from '@nestjs/common';
import { EntityManager, In, LessThanOrEqual } from 'typeorm';
import { Database } from '../../database/database.service';
import { HotQuery } from '../../database/hot-query';
import { RecipientStatus } from './entities/campaign-recipient.entity';
import { Campaign, CampaignList, CampaignProduct, CampaignStatus } from './entities/campaign.entity';

@Injectable()
export class CampaignsRepository {
  private readonly hot: HotQuery;

  constructor(private readonly db: Database) {
    this.hot = new HotQuery(db);
  }

  findById(id: number, m: EntityManager = this.db.manager): Promise<Campaign | null> {
    return m.findOneBy(Campaign, { id });
  }

  async audienceOf(id: number, m: EntityManager = this.db.manager): Promise<{ listIds: number[]; productIds: number[] }> {
    const [lists, products] = await Promise.all([
      m.find(CampaignList, { where: { campaignId: id }, order: { listId: 'ASC' } }),
      m.find(CampaignProduct, { where: { campaignId: id }, order: { productId: 'ASC' } }),
    ]);
    return { listIds: lists.map((l) => l.listId), productIds: products.map((p) => p.productId) };
  }

  async setAudience(m: EntityManager, id: number, listIds: number[], productIds: number[]): Promise<void> {
    await m.delete(CampaignList, { campaignId: id });
    await m.delete(CampaignProduct, { campaignId: id });
    if (listIds.length) await m.insert(CampaignList, listIds.map((listId) => ({ campaignId: id, listId })));
    if (productIds.length) await m.insert(CampaignProduct, productIds.map((productId) => ({ campaignId: id, productId })));
  }

  async insert(m: EntityManager, data: Pick<Campaign, 'subject' | 'preheader' | 'bodyFormat' | 'body' | 'createdBy'>): Promise<Campaign> {
    const now = new Date();
    const row = m.create(Campaign, { ...data, status: 'draft', scheduledAt: null, startedAt: null, finishedAt: null, recipients: 0, createdAt: now, updatedAt: now });
    await m.insert(Campaign, row);
    return row;
  }

  async update(m: EntityManager, id: number, patch: Partial<Omit<Campaign, 'id' | 'createdAt' | 'createdBy'>>): Promise<void> {
    await m.update(Campaign, { id }, { ...patch, updatedAt: new Date() });
  }

  /** Moves a campaign from one status to another only if it is still in `from`; returns whether it moved. */
  async transition(m: EntityManager, id: number, from: CampaignStatus[], patch: Partial<Campaign> & { status: CampaignStatus }): Promise<boolean> {
    const res = await m.update(Campaign, { id, status: In(from) }, { ...patch, updatedAt: new Date() });
    return !!res.affected;
  }

  /** Campaigns a sender should work on, oldest start first. */
  async sendingIds(): Promise<number[]> {
    const rows = await this.db.manager.find(Campaign, { select: { id: true }, where: { status: 'sending' }, order: { startedAt: 'ASC', id: 'ASC' } });
    return rows.map((r) => r.id);
  }

  dueScheduled(now: Date): Promise<Campaign[]> {
    return this.db.manager.find(Campaign, { where: { status: 'scheduled', scheduledAt: LessThanOrEqual(now) }, order: { scheduledAt: 'ASC' } });
  }

  /** Asked before every claim of a send (paused? cancelled?), hence plain SQL. */
  async statusOf(id: number): Promise<CampaignStatus | null> {
    const rows = await this.hot.all('SELECT status FROM campaigns WHERE id = ?', [id]);
    return (rows[0]?.status as CampaignStatus | undefined) ?? null;
  }

  list(limit: number, offset: number): Promise<[Campaign[], number]> {
    return this.db.manager.findAndCount(Campaign, { order: { id: 'DESC' }, take: limit, skip: offset });
  }

  /** Recipient rows per campaign and status, for a page of the campaign list (one query, not one per row). */
  async recipientCounts(ids: number[]): Promise<Map<number, Partial<Record<RecipientStatus, number>>>> {
    const out = new Map<number, Partial<Record<RecipientStatus, number>>>();
    if (!ids.length) return out;
    const rows: { campaign_id: number | string; status: RecipientStatus; n: number | string }[] = await this.db.manager.query(
      `SELECT campaign_id, status, COUNT(*) AS n FROM campaign_recipients WHERE campaign_id IN (${ids.map(() => '?').join(',')}) GROUP BY campaign_id, status`,
      ids,
    );
    for (const r of rows) {
      const id = Number(r.campaign_id);
      out.set(id, { ...out.get(id), [r.status]: Number(r.n) });
    }
    return out;
  }
}
