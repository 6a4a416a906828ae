import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * `client_warnings`: the "last attempt" mails of issue 15 (src/clients/warnings/), one row per mail sent, with the
 * sent copy and the follow-up marks. The index on (follow_up_on, reminded_at) is the reminder job's question.
 */
export class ClientWarnings1795483000000 implements MigrationInterface {
  name = 'ClientWarnings1795483000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.createTable(
      new Table({
        name: 'client_warnings',
        columns: [
          c.id(),
          c.ref('client_id'),
          c.ref('created_by', true),
          c.text('terms', false),
          c.text('requests', false),
          c.text('estimate', false),
          c.text('intro', false),
          c.string('follow_up_on', 10, { nullable: true }),
          c.datetime('follow_up_done_at', true),
          c.ref('follow_up_done_by', true),
          c.datetime('reminded_at', true),
          c.ref('outbox_id', true),
          c.string('locale', 5),
          c.string('subject', 998),
          c.longText('body_text', false),
          c.datetime('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_client_warnings_client', columnNames: ['client_id', 'created_at'] }),
          new TableIndex({ name: 'ix_client_warnings_follow_up', columnNames: ['follow_up_on', 'reminded_at'] }),
        ],
        foreignKeys: [
          { columnNames: ['client_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['created_by'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
          { columnNames: ['follow_up_done_by'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('client_warnings');
  }
}
