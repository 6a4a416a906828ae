import { seedList, seedSubscribers, startCampaign } from '../factories/campaigns';
import { OutboxMessage } from '../../src/mail/entities/outbox-message.entity';
import { CampaignsRepository } from '../../src/mailing/campaigns/campaigns.repository';
import { CampaignSender } from '../../src/mailing/sender/campaign-sender';
import { startTestApp, TestApp } from '../utils/test-app';

/** The embedded default has no SMTP server: campaign mail is kept, readable in the admin outbox viewer. */
describe('campaign sending without SMTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('keeps each mail in the outbox, with its list headers, once', async () => {
    const list = await seedList(t.db, 'Kept', 'kept');
    await seedSubscribers(t.db, list.id, 3, 'kept');
    const { id } = await startCampaign(t.db, { subject: 'Hi {{name}}', body: 'Hello', listIds: [list.id] });
    await t.app.get(CampaignSender).runUntilDone(id, { pollMs: 20 });
    expect(await t.app.get(CampaignsRepository).statusOf(id)).toBe('sent');
    // Workers deliver concurrently, so the outbox rows of one batch may land in any order: compare by address.
    const kept = await t.db.manager.find(OutboxMessage, { where: { mailClass: 'marketing' }, order: { to: 'ASC' } });
    expect(kept.map((m) => [m.to, m.status, m.subject])).toEqual([
      ['kept0@example.test', 'kept', 'Hi Reader 0'],
      ['kept1@example.test', 'kept', 'Hi Reader 1'],
      ['kept2@example.test', 'kept', 'Hi Reader 2'],
    ]);
    const headers = JSON.parse(kept[0].headers);
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(headers['List-Unsubscribe']).toMatch(/^<http:\/\/kabinet\.test\/u\/[\w.-]+>, <mailto:/);
  });
});
