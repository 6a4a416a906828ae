import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * inbound_messages: every message the inbound listener accepted, once — the unique key on (message_id,
 * content_sha256) is what makes a second delivery of the same mail (a retry, or one copy per address) a no-op,
 * on both engines. The raw message is a file under FILES_DIR/inbound (raw_path).
 *
 * outbox.bounced_at / bounce_detail: a delivery status report said this transactional mail hard-bounced
 * (campaign rows have the status `bounced` for that already).
 */
export class InboundMessages1795470000000 implements MigrationInterface {
  name = 'InboundMessages1795470000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.createTable(
      new Table({
        name: 'inbound_messages',
        columns: [
          c.id(),
          c.datetime('received_at'),
          c.string('envelope_from', 320),
          c.string('envelope_to', 1000),
          c.string('message_id', 255),
          c.string('content_sha256', 64),
          c.int('size'),
          c.string('raw_path', 255),
          c.bool('is_automatic'),
          c.string('subject', 255),
          c.string('handler', 255),
          c.string('status', 16),
          c.string('outcome', 64, { nullable: true }),
          c.string('detail', 500, { nullable: true }),
          c.text('error'),
          c.datetime('handled_at', true),
        ],
        indices: [
          new TableIndex({ name: 'ux_inbound_messages_identity', columnNames: ['message_id', 'content_sha256'], isUnique: true }),
          new TableIndex({ name: 'ix_inbound_messages_received', columnNames: ['received_at'] }),
        ],
      }),
    );
    await qr.addColumns('outbox', [
      new TableColumn({ name: 'bounced_at', type: 'datetime', precision: c.mysql ? 3 : undefined, isNullable: true }),
      new TableColumn({ name: 'bounce_detail', type: 'varchar', length: '500', isNullable: true }),
    ]);
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('outbox', 'bounce_detail');
    await qr.dropColumn('outbox', 'bounced_at');
    await qr.dropTable('inbound_messages');
  }
}
