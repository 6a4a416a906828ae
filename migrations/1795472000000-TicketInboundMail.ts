import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * Tickets by mail (src/support/inbound):
 *  - ticket_messages.inbound_id: the inbound message a client message came from. Unique, so the database keeps
 *    one received mail from becoming two ticket messages even if it is handled twice (a retry after a crash
 *    between the handler's commit and the listener's bookkeeping). ticket_messages.message_id is indexed (unique)
 *    already, which the In-Reply-To / References routing looks up.
 *  - ticket_mail_acks: the "we got your message" acknowledgements, one row per sender per UTC day; the primary
 *    key is what limits them to one a day, written in the transaction that opens the ticket.
 */
export class TicketInboundMail1795472000000 implements MigrationInterface {
  name = 'TicketInboundMail1795472000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.addColumn('ticket_messages', new TableColumn(c.ref('inbound_id', true)));
    await qr.createIndex('ticket_messages', new TableIndex({ name: 'ux_ticket_messages_inbound', columnNames: ['inbound_id'], isUnique: true }));
    await qr.createTable(
      new Table({
        name: 'ticket_mail_acks',
        columns: [
          { ...c.string('email', 320), isPrimary: true },
          // YYYY-MM-DD (UTC)
          { ...c.string('day', 10), isPrimary: true },
          c.ref('ticket_id'),
          c.datetime('created_at'),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('ticket_mail_acks');
    await qr.dropIndex('ticket_messages', 'ux_ticket_messages_inbound');
    await qr.dropColumn('ticket_messages', 'inbound_id');
  }
}
