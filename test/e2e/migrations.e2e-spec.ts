import { DataSource, DataSourceOptions } from 'typeorm';
import { createDataSource, dataSourceOptions } from '../../src/database/data-source';
import { migrate } from '../../src/database/migrate';
import { parseDatabaseUrl } from '../../src/config/config';
import { MIGRATIONS } from '../../migrations';
import { GrantEventsOrderId1795457000000 } from '../../migrations/1795457000000-GrantEventsOrderId';
import { createTestDb } from '../utils/test-db';

describe('migrations', () => {
  it('run up, down to nothing, and up again on this database', async () => {
    const testDb = await createTestDb();
    const cfg = parseDatabaseUrl(testDb.url, testDb.dir);
    if (typeof cfg === 'string') throw new Error(cfg);
    const ds = createDataSource(cfg);
    await ds.initialize();
    // Each query runner holds a pooled connection on MySQL: release it, or the pool runs dry.
    const hasTable = async (name: string) => {
      const qr = ds.createQueryRunner();
      try {
        return await qr.hasTable(name);
      } finally {
        await qr.release();
      }
    };
    try {
      const applied = await ds.runMigrations();
      expect(applied.map((m) => m.name)).toEqual(MIGRATIONS.map((M) => new M().name));
      for (const table of ['users', 'sessions', 'password_resets', 'rate_limits', 'outbox', 'audit_log', 'api_keys', 'job_leases',
        'products', 'product_sections', 'lessons', 'files', 'orders', 'access_keys', 'grants', 'grant_events', 'client_notes', 'labels', 'client_labels']) {
        expect(await hasTable(table)).toBe(true);
      }
      const indexNames = async (table: string) => {
        const qr = ds.createQueryRunner();
        try {
          return (await qr.getTable(table))!.indices.map((i) => i.name);
        } finally {
          await qr.release();
        }
      };
      // later migrations: the lesson page's outline index is there, the sender's claim-token index is gone, and
      // recipients are indexed by subscriber without the status
      expect(await indexNames('campaign_recipients')).toContain('ix_recipients_subscriber_id');
      expect(await indexNames('campaign_recipients')).not.toContain('ix_recipients_subscriber');
      expect(await indexNames('lessons')).toContain('ix_lessons_product_updated');
      expect(await indexNames('campaign_recipients')).not.toContain('ix_recipients_token');
      expect(await indexNames('campaign_recipients')).toContain('ix_recipients_claim');
      // timestamps keep milliseconds and come back as UTC Dates on both engines
      const at = new Date('2026-03-04T05:06:07.891Z');
      await ds.query('INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', ['ms@example.com', '', 'client', '2026-03-04 05:06:07.891', '2026-03-04 05:06:07.891']);
      const row = await ds.manager.findOneByOrFail((await import('../../src/users/entities/user.entity')).User, { email: 'ms@example.com' });
      expect(row.createdAt.toISOString()).toBe(at.toISOString());
      // e-mail uniqueness holds at the database level
      await expect(ds.query('INSERT INTO users (email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)', ['ms@example.com', '', 'client', '2026-03-04 05:06:07', '2026-03-04 05:06:07'])).rejects.toThrow();

      for (let i = 0; i < MIGRATIONS.length; i++) await ds.undoLastMigration();
      expect(await hasTable('users')).toBe(false);
      expect(await hasTable('outbox')).toBe(false);
      expect(await hasTable('grants')).toBe(false);
      expect((await ds.runMigrations()).length).toBe(MIGRATIONS.length);
      expect(await ds.showMigrations()).toBe(false);
    } finally {
      await ds.destroy();
      await testDb.drop();
    }
  });
});

describe('migrations at start-up', () => {
  it('apply once when several instances start on a fresh database at the same time', async () => {
    const testDb = await createTestDb();
    const cfg = parseDatabaseUrl(testDb.url, testDb.dir);
    if (typeof cfg === 'string') throw new Error(cfg);
    const instances = Array.from({ length: 4 }, () => createDataSource(cfg));
    try {
      await Promise.all(instances.map((ds) => ds.initialize()));
      const results = await Promise.allSettled(instances.map((ds) => migrate(ds)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const applied = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      // every migration was applied by exactly one instance, and recorded once
      expect(applied.map((m) => m.name).sort()).toEqual(MIGRATIONS.map((M) => new M().name).sort());
      const rows: { name: string }[] = await instances[0].query('SELECT name FROM migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
      expect(await instances[0].showMigrations()).toBe(false);
    } finally {
      await Promise.all(instances.filter((ds) => ds.isInitialized).map((ds) => ds.destroy()));
      await testDb.drop();
    }
  });
});

describe('migration GrantEventsOrderId', () => {
  it('fills grant_events.order_id from the "order #<id>" text the code before it wrote, and only where that text meant the order', async () => {
    const testDb = await createTestDb();
    const cfg = parseDatabaseUrl(testDb.url, testDb.dir);
    if (typeof cfg === 'string') throw new Error(cfg);
    // the schema as it was just before this migration
    const before = new DataSource({ ...dataSourceOptions(cfg), migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(GrantEventsOrderId1795457000000)) } as DataSourceOptions);
    const ds = createDataSource(cfg);
    try {
      await before.initialize();
      await before.runMigrations();
      const at = '2026-05-01 10:00:00.000';
      const users: [number, string, string][] = [[1, 'ann@example.com', 'client'], [2, 'bob@example.com', 'client'], [3, 'staff@example.com', 'admin']];
      for (const [id, email, role] of users) {
        await before.query('INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [id, email, '', role, at, at]);
      }
      for (const id of [1, 2]) {
        await before.query("INSERT INTO products (id, slug, title, status, created_at, updated_at) VALUES (?, ?, ?, 'published', ?, ?)", [id, `p${id}`, `P${id}`, at, at]);
      }
      for (const [id, client] of [[10, 1], [11, 1], [12, 2]]) {
        await before.query(
          "INSERT INTO orders (id, external_id, client_id, product_id, status, amount_minor, amount_currency, paid_at, created_at) VALUES (?, ?, ?, 1, 'paid', 100, 'RUB', ?, ?)",
          [id, `ext-${id}`, client, at, at],
        );
      }
      // 100: created by order 10; 101: Ann's key grant that order 11 extended; 102: Bob's, extended by order 12
      for (const [id, client, source, order] of [[100, 1, 'purchase', 10], [101, 1, 'key', null], [102, 2, 'key', null]] as const) {
        await before.query('INSERT INTO grants (id, client_id, product_id, starts_at, source, order_id, created_at, updated_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?)', [id, client, at, source, order, at, at]);
      }
      const events: [number, number, string, string | null, number | null][] = [
        // [id, grant, kind, reason as written, the order_id expected after the migration]
        [1000, 100, 'created', 'order #10', 10],
        [1001, 101, 'created', null, null],
        [1002, 101, 'extended', 'order #11', 11],
        [1003, 101, 'revoked', 'order #11', null], // a revoke's reason is what staff typed, not a purchase
        [1004, 101, 'extended', 'order #12', null], // Bob's order on Ann's grant
        [1005, 101, 'extended', 'order #999', null], // no such order
        [1006, 101, 'extended', 'order #11 and a note', null],
        [1007, 102, 'extended', 'order #12', 12],
        [1008, 101, 'extended', 'refund', null],
      ];
      for (const [id, grant, kind, reason] of events) {
        await before.query(
          "INSERT INTO grant_events (id, grant_id, kind, ends_at_before, ends_at_after, actor_user_id, actor_label, reason, created_at) VALUES (?, ?, ?, NULL, NULL, NULL, 'webhook', ?, ?)",
          [id, grant, kind, reason, at],
        );
      }
      await before.destroy();

      await ds.initialize();
      const applied = await ds.runMigrations();
      expect(applied.map((m) => m.name)).toContain(new GrantEventsOrderId1795457000000().name);
      const rows: { id: number | string; order_id: number | string | null; reason: string | null }[] = await ds.query('SELECT id, order_id, reason FROM grant_events ORDER BY id');
      expect(rows.map((r) => [Number(r.id), r.order_id === null ? null : Number(r.order_id)])).toEqual(events.map(([id, , , , order]) => [id, order]));
      // the text stays as it was, for people
      expect(rows.map((r) => r.reason)).toEqual(events.map(([, , , reason]) => reason));

      const qr = ds.createQueryRunner();
      try {
        const table = (await qr.getTable('grant_events'))!;
        expect(table.indices.map((i) => i.name)).toEqual(expect.arrayContaining(['ix_grant_events_order', 'ix_grant_events_grant']));
        expect(table.foreignKeys.map((k) => [k.columnNames, k.referencedTableName, k.onDelete])).toContainEqual([['order_id'], 'orders', 'SET NULL']);
      } finally {
        await qr.release();
      }
      // the key holds: an unknown order is refused, and an order that goes leaves the history without it
      await expect(ds.query('UPDATE grant_events SET order_id = 998 WHERE id = 1001')).rejects.toThrow();
      await ds.query('DELETE FROM orders WHERE id = 12');
      expect((await ds.query('SELECT order_id FROM grant_events WHERE id = 1007'))[0].order_id).toBeNull();
    } finally {
      if (before.isInitialized) await before.destroy();
      if (ds.isInitialized) await ds.destroy();
      await testDb.drop();
    }
  });
});
