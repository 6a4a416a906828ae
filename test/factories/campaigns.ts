/**
 * Bulk set-up for the sender's tests and the mailing bench (which imports it from here): many subscribers in few
 * statements, and a campaign started the way the campaigns service starts one (one transaction: status, then
 * recipient rows). Plain functions of a Database, no TestApp, so a bench process can use them too.
 */
import type { EntityManager } from 'typeorm';
import type { Database } from '../../src/database/database.service';
import { sqlDate } from '../../src/database/sql-date';
import { CampaignsRepository } from '../../src/mailing/campaigns/campaigns.repository';
import type { MailingList } from '../../src/mailing/lists/entities/mailing-list.entity';
import { RecipientsRepository } from '../../src/mailing/sender/recipients.repository';
import { ListsRepository } from '../../src/mailing/lists/lists.repository';

export async function seedList(db: Database, name = 'Bench list', key = `bench-${Date.now().toString(36)}`): Promise<MailingList> {
  return db.transaction((m) => new ListsRepository(db).insert(m, { name, description: '', listKey: key, isPublic: true, optIn: 'single' }));
}

/** `count` confirmed subscribers of `listId`, addresses `${prefix}${i}@${domain}`, all in one language (so every mail has the same size). */
export async function seedSubscribers(db: Database, listId: number, count: number, prefix = 'r', domain = 'example.test', locale = 'en'): Promise<void> {
  const at = sqlDate(new Date());
  const CHUNK = 500;
  for (let start = 0; start < count; start += CHUNK) {
    const n = Math.min(CHUNK, count - start);
    const values: unknown[] = [];
    for (let i = 0; i < n; i++) values.push(`${prefix}${start + i}@${domain}`, `Reader ${start + i}`, locale, at, at);
    await db.transaction(async (m: EntityManager) => {
      await m.query(
        `INSERT INTO subscribers (email, name, locale, created_at, updated_at) VALUES ${Array(n).fill('(?, ?, ?, ?, ?)').join(', ')}`,
        values,
      );
    });
  }
  await db.transaction((m: EntityManager) =>
    m.query(
      `INSERT INTO subscriptions (subscriber_id, list_id, status, created_at, updated_at)
       SELECT s.id, ?, 'confirmed', ?, ? FROM subscribers s
        WHERE s.email LIKE ? AND NOT EXISTS (SELECT 1 FROM subscriptions x WHERE x.subscriber_id = s.id AND x.list_id = ?)`,
      [listId, at, at, `${prefix}%@${domain}`, listId],
    ),
  );
}

/** Creates a campaign and starts it: returns its id and how many recipient rows were written. */
export async function startCampaign(
  db: Database,
  c: { subject: string; body: string; listIds: number[]; productIds?: number[]; preheader?: string },
): Promise<{ id: number; recipients: number }> {
  const campaigns = new CampaignsRepository(db);
  const recipients = new RecipientsRepository(db);
  return db.transaction(async (m) => {
    const row = await campaigns.insert(m, { subject: c.subject, preheader: c.preheader ?? '', bodyFormat: 'markdown', body: c.body, createdBy: null });
    await campaigns.setAudience(m, row.id, c.listIds, c.productIds ?? []);
    const n = await recipients.materialise(m, row.id, c.listIds, c.productIds ?? []);
    await campaigns.transition(m, row.id, ['draft'], { status: 'sending', startedAt: new Date(), recipients: n });
    return { id: row.id, recipients: n };
  });
}
