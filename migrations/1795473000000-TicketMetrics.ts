import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * Ticket metrics, stored when they happen so no page has to compute them over all tickets:
 * - tickets.first_response_seconds: creation → first staff reply, in business hours where configured (else
 *   wall-clock), as the settings were at that reply; tickets.resolution_seconds: creation → close, likewise.
 * - ix_tickets_first_response (first_response_at, first_response_seconds): the overall median reads the tickets
 *   first answered in a recent window off this index alone.
 * - ix_tickets_client_first_response (client_id, first_response_seconds): a client's median is one ordered read
 *   (LIMIT 1 OFFSET n/2) off this index.
 * - ix_ticket_messages_created (created_at, minutes): staff minutes over a recent window, off the index alone.
 * Tickets answered or closed before this migration get their wall-clock figures (business hours did not exist).
 */
export class TicketMetrics1795473000000 implements MigrationInterface {
  name = 'TicketMetrics1795473000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.addColumns('tickets', [new TableColumn(c.int('first_response_seconds', { nullable: true })), new TableColumn(c.int('resolution_seconds', { nullable: true }))]);
    await qr.createIndex('tickets', new TableIndex({ name: 'ix_tickets_first_response', columnNames: ['first_response_at', 'first_response_seconds'] }));
    await qr.createIndex('tickets', new TableIndex({ name: 'ix_tickets_client_first_response', columnNames: ['client_id', 'first_response_seconds'] }));
    await qr.createIndex('ticket_messages', new TableIndex({ name: 'ix_ticket_messages_created', columnNames: ['created_at', 'minutes'] }));

    const instant = (v: unknown): number | null => {
      if (v === null || v === undefined) return null;
      if (v instanceof Date) return v.getTime();
      const s = String(v);
      return Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
    };
    const seconds = (from: number | null, to: number | null) => (from === null || to === null ? null : Math.max(0, Math.round((to - from) / 1000)));
    for (let after = 0; ; ) {
      const rows: { id: number | string; created_at: unknown; first_response_at: unknown; closed_at: unknown }[] = await qr.query(
        'SELECT id, created_at, first_response_at, closed_at FROM tickets WHERE id > ? AND (first_response_at IS NOT NULL OR closed_at IS NOT NULL) ORDER BY id LIMIT 500',
        [after],
      );
      if (!rows.length) break;
      for (const r of rows) {
        const created = instant(r.created_at);
        await qr.query('UPDATE tickets SET first_response_seconds = ?, resolution_seconds = ? WHERE id = ?', [
          seconds(created, instant(r.first_response_at)),
          seconds(created, instant(r.closed_at)),
          r.id,
        ]);
      }
      after = Number(rows[rows.length - 1].id);
    }
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('ticket_messages', 'ix_ticket_messages_created');
    await qr.dropIndex('tickets', 'ix_tickets_client_first_response');
    await qr.dropIndex('tickets', 'ix_tickets_first_response');
    await qr.dropColumns('tickets', ['resolution_seconds', 'first_response_seconds']);
  }
}
