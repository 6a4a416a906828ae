import type { EntityManager } from 'typeorm';
import { SqliteConnection, sqliteConnectionOf } from '../../src/database/sqlite-connection';
import { InlineSqliteOps, SqliteThread } from '../../src/database/sqlite-thread';
import { LeaseService } from '../../src/database/lease.service';
import { startTestApp, TestApp } from '../utils/test-app';

/** The synchronous transactions of SQLite hot paths (the campaign sender) against TypeORM's own on one connection. */
describe('database: synchronous SQLite transactions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const labels = async () => (await t.db.manager.query('SELECT name FROM labels ORDER BY name')).map((r: { name: string }) => r.name);

  /** Begins a transaction that adds the label `name`, then holds until `release()` and rolls back. */
  function rollingBack(begin: (work: (m: EntityManager) => Promise<never>) => Promise<unknown>, name: string) {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const outcome = begin(async (m) => {
      await m.query('INSERT INTO labels (name, created_at) VALUES (?, ?)', [name, '2026-01-01 00:00:00.000']);
      await held;
      throw new Error('roll back');
    }).catch((e: Error) => e.message);
    return { release, outcome };
  }

  it('waits for a transaction TypeORM opened outside the queue, and never joins it', async () => {
    if (t.db.isMysql) {
      await expect(t.db.sqliteTransaction(() => 1)).rejects.toThrow('sqliteTransaction on MySQL');
      return;
    }
    const at = '2026-01-01 00:00:00.000';
    // A bare TypeORM transaction (not through Database.transaction) that will roll back.
    const { release, outcome: outer } = rollingBack((work) => t.db.dataSource.transaction(work), 'outer');
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

  it('Database.transaction also waits for a transaction TypeORM opened outside the queue, and never joins it', async () => {
    if (t.db.isMysql) return; // one connection per transaction there
    await t.db.manager.query('DELETE FROM labels');
    const at = '2026-01-01 00:00:00.000';
    const { release, outcome: outer } = rollingBack((work) => t.db.dataSource.transaction(work), 'outer');
    await new Promise((r) => setImmediate(r));
    const inner = t.db.transaction((m) => m.query('INSERT INTO labels (name, created_at) VALUES (?, ?)', ['queued', at]));
    await new Promise((r) => setTimeout(r, 30));
    release();
    expect(await outer).toBe('roll back');
    await inner;
    expect(await labels()).toEqual(['queued']);
  });

  it("a stand-alone write (Database.write) made while another request's transaction is open survives that transaction's rollback", async () => {
    const at = '2026-01-01 00:00:00.000';
    const { release, outcome: failing } = rollingBack((work) => t.db.transaction(work), 'doomed');
    await new Promise((r) => setTimeout(r, 10));
    // e.g. a scheduler lease taken, a session touched, a relay's claim, while a form post is mid-transaction
    const lease = t.app.get(LeaseService);
    const acquired = lease.tryAcquire('probe-during-rollback', 1, 60_000);
    const written = t.db.write((m) => m.query('INSERT INTO labels (name, created_at) VALUES (?, ?)', ['standalone', at]));
    await new Promise((r) => setTimeout(r, 30));
    release();
    expect(await failing).toBe('roll back');
    expect(await acquired).toBe(true);
    await written;
    expect(await labels()).toContain('standalone');
    expect(await labels()).not.toContain('doomed');
    expect(await t.db.manager.query(`SELECT holder FROM job_leases WHERE name = 'probe-during-rollback'`)).toEqual([{ holder: lease.holder }]);
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

/** Operations for the thread below: self-contained, as SqliteThread requires (its text is what the thread runs). */
function labelOps(conn: SqliteConnection, at: string) {
  const insert = conn.prepare('INSERT INTO labels (name, created_at) VALUES (?, ?)');
  return {
    add(...names: string[]): number {
      for (const name of names) insert.run(name, at);
      return names.length;
    },
    addThenFail(name: string): never {
      insert.run(name, at);
      throw Object.assign(new Error('refused'), { code: 'E_TEST' });
    },
  };
}

/** A thread with a SQLite connection of its own, writing beside the app's connection. */
describe('database: SqliteThread', () => {
  let t: TestApp;
  let thread: SqliteThread<string, ReturnType<typeof labelOps>>;
  beforeAll(async () => {
    t = await startTestApp();
    if (!t.db.isMysql) thread = new SqliteThread<string, ReturnType<typeof labelOps>>(String(t.db.dataSource.options.database), labelOps, '2026-01-01 00:00:00.000');
  });
  afterAll(async () => {
    await thread?.close();
    await t.close();
  });

  const labels = async () => (await t.db.manager.query('SELECT name FROM labels ORDER BY name')).map((r: { name: string }) => r.name);

  it('commits on its own connection what the app then reads; a throw rolls back that call only, with its message and code', async () => {
    if (t.db.isMysql) return;
    expect(await thread.run('add', 'thread-a', 'thread-b')).toBe(2);
    expect(await labels()).toEqual(expect.arrayContaining(['thread-a', 'thread-b']));
    await expect(thread.run('addThenFail', 'thread-half')).rejects.toMatchObject({ message: 'refused', code: 'E_TEST' });
    expect(await labels()).not.toContain('thread-half');
    expect(await thread.run('add', 'thread-c')).toBe(1);
  });

  it('refuses arguments it cannot hand to the thread, and goes on', async () => {
    if (t.db.isMysql) return;
    await expect(thread.run('add', (() => 'x') as unknown as string)).rejects.toThrow(/could not be cloned/);
    expect(await thread.run('add', 'thread-d')).toBe(1);
  });

  it("lets the app's transactions read, then write, while the thread commits (TypeORM's transactions begin IMMEDIATE)", async () => {
    if (t.db.isMysql) return;
    const at = '2026-01-01 00:00:00.000';
    let threadWrite!: Promise<number>;
    await t.db.transaction(async (m) => {
      await m.query('SELECT COUNT(*) AS n FROM labels');
      // With a deferred BEGIN the thread would commit now, and the write below fail with SQLITE_BUSY_SNAPSHOT.
      threadWrite = thread.run('add', 'from-thread');
      await Promise.race([threadWrite, new Promise((r) => setTimeout(r, 150))]);
      await m.query('INSERT INTO labels (name, created_at) VALUES (?, ?)', ['from-app', at]);
    });
    expect(await threadWrite).toBe(1);
    expect(await labels()).toEqual(expect.arrayContaining(['from-app', 'from-thread']));
  });

  it('answers the calls made before close, and refuses later ones', async () => {
    if (t.db.isMysql) return;
    const before = thread.run('add', 'before-close');
    await thread.close();
    expect(await before).toBe(1);
    await expect(thread.run('add', 'after-close')).rejects.toThrow('the SQLite thread is closed');
    expect(await labels()).toEqual(expect.arrayContaining(['before-close']));
    expect(await labels()).not.toContain('after-close');
  });

  it('runs inline on the app\'s connection, in its transaction queue, where no thread can open the database (in memory)', async () => {
    if (t.db.isMysql) return;
    const inline = new InlineSqliteOps(t.db, labelOps, '2026-01-01 00:00:00.000');
    expect(await inline.run('add', 'inline-a')).toBe(1);
    await expect(inline.run('addThenFail', 'inline-half')).rejects.toMatchObject({ message: 'refused', code: 'E_TEST' });
    expect(await labels()).toContain('inline-a');
    expect(await labels()).not.toContain('inline-half');
  });
});
