import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * Senders now know the rows they claimed by id (UPDATE … RETURNING on SQLite, the locked SELECT on MySQL), so
 * campaign_recipients.claim_token is no longer written and its index, updated twice per mail, goes. The column
 * stays (dropping a column rebuilds the whole table on SQLite) and is always NULL.
 */
export class RecipientsClaimById1795455000000 implements MigrationInterface {
  name = 'RecipientsClaimById1795455000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query(`UPDATE campaign_recipients SET claim_token = NULL WHERE claim_token IS NOT NULL`);
    await qr.dropIndex('campaign_recipients', 'ix_recipients_token');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.createIndex('campaign_recipients', new TableIndex({ name: 'ix_recipients_token', columnNames: ['claim_token'] }));
  }
}
