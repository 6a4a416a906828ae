import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * Support tickets: tickets, their messages (client, staff reply, internal note, system), attachments, canned replies.
 * The indexes serve the staff inbox at 100k tickets: every filter it offers leads an index whose next column is the
 * order it sorts by (last activity, or since when the client has waited), so a page never sorts the whole table.
 */
export class Tickets1795471000000 implements MigrationInterface {
  name = 'Tickets1795471000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    const fk = (col: string, table: string, onDelete: 'CASCADE' | 'SET NULL' | 'RESTRICT' = 'CASCADE') => ({
      columnNames: [col],
      referencedTableName: table,
      referencedColumnNames: ['id'],
      onDelete,
    });
    const ix = (name: string, cols: string[], isUnique = false) => new TableIndex({ name, columnNames: cols, isUnique });

    await qr.createTable(
      new Table({
        name: 'tickets',
        columns: [
          c.id(),
          c.ref('client_id', true),
          // "not a client yet": the sender's address when inbound mail opens a ticket for an unknown address
          c.string('external_email', 320, { nullable: true }),
          c.string('type', 16),
          c.ref('product_id', true),
          c.string('subject', 200),
          c.string('status', 24),
          c.ref('assignee_id', true),
          c.string('priority', 8, { default: 'normal' }),
          // a client's mail to a long-closed ticket opens a new one pointing here
          c.ref('previous_ticket_id', true),
          c.datetime('created_at'),
          c.datetime('last_activity_at'),
          // since when the client's last message waits for staff; null when staff have the last word
          c.datetime('waiting_since', true),
          c.datetime('first_response_at', true),
          c.datetime('closed_at', true),
        ],
        indices: [
          ix('ix_tickets_activity', ['last_activity_at', 'id']),
          ix('ix_tickets_status_activity', ['status', 'last_activity_at', 'id']),
          ix('ix_tickets_waiting', ['waiting_since', 'id']),
          ix('ix_tickets_client_activity', ['client_id', 'last_activity_at']),
          ix('ix_tickets_assignee_activity', ['assignee_id', 'status', 'last_activity_at']),
          ix('ix_tickets_product_activity', ['product_id', 'last_activity_at']),
          ix('ix_tickets_external_email', ['external_email']),
        ],
        foreignKeys: [
          fk('client_id', 'users', 'SET NULL'),
          fk('product_id', 'products', 'SET NULL'),
          fk('assignee_id', 'users', 'SET NULL'),
          fk('previous_ticket_id', 'tickets', 'SET NULL'),
        ],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'ticket_messages',
        columns: [
          c.id(),
          c.ref('ticket_id'),
          c.ref('author_id', true),
          c.string('author_email', 320, { nullable: true }),
          c.string('kind', 16),
          c.longText('body', false),
          c.int('minutes', { nullable: true }),
          c.string('message_id', 255),
          c.string('in_reply_to', 255, { nullable: true }),
          c.datetime('created_at'),
        ],
        indices: [ix('ix_ticket_messages_ticket', ['ticket_id', 'id']), ix('uq_ticket_messages_message_id', ['message_id'], true)],
        foreignKeys: [fk('ticket_id', 'tickets'), fk('author_id', 'users', 'SET NULL')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'ticket_attachments',
        columns: [
          c.id(),
          c.ref('ticket_id'),
          c.ref('message_id'),
          c.string('original_name', 255),
          c.string('storage_key', 64),
          { name: 'size_bytes', type: 'bigint', isNullable: false },
          c.string('content_type', 127),
          c.string('sha256', 64),
          c.datetime('created_at'),
        ],
        indices: [ix('ix_ticket_attachments_ticket', ['ticket_id', 'id']), ix('uq_ticket_attachments_storage_key', ['storage_key'], true)],
        foreignKeys: [fk('ticket_id', 'tickets'), fk('message_id', 'ticket_messages')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'canned_replies',
        columns: [c.id(), c.string('title', 200), c.text('body', false), c.datetime('created_at'), c.datetime('updated_at')],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('canned_replies');
    await qr.dropTable('ticket_attachments');
    await qr.dropTable('ticket_messages');
    await qr.dropTable('tickets');
  }
}
