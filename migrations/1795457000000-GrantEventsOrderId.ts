import { MigrationInterface, QueryRunner, TableColumn, TableForeignKey, TableIndex } from 'typeorm';

const BATCH = 1000;
/** What the code before this migration wrote as the reason of a purchase's grant event (`purchaseTag`). */
const PURCHASE_TAG = /^order #(\d+)$/;

/**
 * grant_events.order_id: the order whose purchase created or extended the grant. A refund used to find the
 * extensions an order made by matching the display text `order #<id>` in grant_events.reason; it now looks the
 * order up by id, and the text stays for people to read.
 *
 * Existing rows are filled from that text, read and matched in the app rather than in SQL (string concatenation
 * and casts differ between SQLite and MySQL): an event of kind created/extended whose reason is exactly
 * `order #<id>`, where the order exists and is for the grant's client and product — the same events the old
 * refund matched.
 */
export class GrantEventsOrderId1795457000000 implements MigrationInterface {
  name = 'GrantEventsOrderId1795457000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.addColumn('grant_events', new TableColumn({ name: 'order_id', type: 'integer', isNullable: true }));
    // Created before the foreign key, so MySQL uses it for the key instead of adding one of its own.
    await qr.createIndex('grant_events', new TableIndex({ name: 'ix_grant_events_order', columnNames: ['order_id'] }));
    await qr.createForeignKey(
      'grant_events',
      new TableForeignKey({ columnNames: ['order_id'], referencedTableName: 'orders', referencedColumnNames: ['id'], onDelete: 'SET NULL' }),
    );
    await backfill(qr);
  }

  async down(qr: QueryRunner): Promise<void> {
    const table = await qr.getTable('grant_events');
    const fk = table?.foreignKeys.find((k) => k.columnNames.length === 1 && k.columnNames[0] === 'order_id');
    if (fk) await qr.dropForeignKey('grant_events', fk);
    await qr.dropIndex('grant_events', 'ix_grant_events_order');
    await qr.dropColumn('grant_events', 'order_id');
  }
}

async function backfill(qr: QueryRunner): Promise<void> {
  for (let after = 0; ; ) {
    const rows: { id: number | string; reason: string; client_id: number | string; product_id: number | string }[] = await qr.query(
      `SELECT e.id, e.reason, g.client_id, g.product_id
         FROM grant_events e JOIN grants g ON g.id = e.grant_id
        WHERE e.id > ? AND e.kind IN ('created', 'extended') AND e.reason LIKE 'order #%'
        ORDER BY e.id
        LIMIT ${BATCH}`,
      [after],
    );
    if (!rows.length) return;
    after = Number(rows[rows.length - 1].id);

    const tagged = rows.flatMap((r) => {
      const m = PURCHASE_TAG.exec(r.reason);
      return m ? [{ eventId: Number(r.id), orderId: Number(m[1]), clientId: Number(r.client_id), productId: Number(r.product_id) }] : [];
    });
    const orderIds = [...new Set(tagged.map((t) => t.orderId))].filter((id) => Number.isSafeInteger(id));
    if (!orderIds.length) continue;
    const orders: { id: number | string; client_id: number | string; product_id: number | string }[] = await qr.query(
      `SELECT id, client_id, product_id FROM orders WHERE id IN (${orderIds.map(() => '?').join(',')})`,
      orderIds,
    );
    const byId = new Map(orders.map((o) => [Number(o.id), { clientId: Number(o.client_id), productId: Number(o.product_id) }]));

    const eventsOf = new Map<number, number[]>();
    for (const t of tagged) {
      const o = byId.get(t.orderId);
      if (!o || o.clientId !== t.clientId || o.productId !== t.productId) continue;
      eventsOf.set(t.orderId, [...(eventsOf.get(t.orderId) ?? []), t.eventId]);
    }
    for (const [orderId, eventIds] of eventsOf) {
      await qr.query(`UPDATE grant_events SET order_id = ? WHERE id IN (${eventIds.map(() => '?').join(',')})`, [orderId, ...eventIds]);
    }
  }
}
