import { sqliteConnectionOf } from '../../src/database/sqlite-connection';
import { startTestApp, TestApp } from '../utils/test-app';

/** The synchronous transactions of SQLite hot paths (the campaign sender) against TypeORM's own on one connection. */
describe('database: synchronous SQLite transactions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const labels = async () => (await t.db.manager.query('SELECT name FROM labels ORDER BY name')).map((r: { name: string }) => r.name);

  it('waits for a transaction TypeORM opened outside the queue, and never joins it', async () => {
    if (t.db.isMysql) {
      await expect(t.db.sqliteTransaction(() => 1)).rejects.toThrow('sqliteTransaction on MySQL');
      return;
    }
    const at = '2026-01-01 00:00:00.000';
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    // A bare TypeORM transaction (not through Database.transaction) that will roll back.
    const outer = t.db.dataSource
      .transaction(async (m) => {
        await m.query('INSERT INTO labels (name, created_at) VALUES (?, ?)', ['outer', at]);
        await held;
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    await new Promise((r) => setImmediate(r));
    expect(sqliteConnectionOf(t.db.dataSource).inTransaction).toBe(true);
    let ran = false;
    const inner = t.db.sqliteTransaction((conn) => {
      ran = true;
      conn.prepare('INSERT INTO labels (name, created_at) VALUES (?, ?)').run('inner', at);
      return 'done';
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(ran).toBe(false);
    release();
    expect(await outer).toBe('roll back');
    expect(await inner).toBe('done');
    expect(await labels()).toEqual(['inner']);
  });

  it('rolls back everything when the work throws, and queues behind Database.transaction', async () => {
    if (t.db.isMysql) return;
    const at = '2026-01-01 00:00:00.000';
    const order: string[] = [];
    const first = t.db.transaction(async (m) => {
      await new Promise((r) => setTimeout(r, 20));
      await m.query('INSERT INTO labels (name, created_at) VALUES (?, ?)', ['first', at]);
      order.push('first');
    });
    const failing = t.db.sqliteTransaction((conn) => {
      order.push('failing');
      conn.prepare('INSERT INTO labels (name, created_at) VALUES (?, ?)').run('half', at);
      throw new Error('no');
    });
    await first;
    await expect(failing).rejects.toThrow('no');
    expect(order).toEqual(['first', 'failing']);
    expect(await labels()).toEqual(expect.not.arrayContaining(['half']));
    expect(await labels()).toContain('first');
  });
});
