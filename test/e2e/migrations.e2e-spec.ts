import { createDataSource } from '../../src/database/data-source';
import { migrate } from '../../src/database/migrate';
import { parseDatabaseUrl } from '../../src/config/config';
import { MIGRATIONS } from '../../migrations';
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
