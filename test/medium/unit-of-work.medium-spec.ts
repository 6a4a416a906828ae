import type { EntityManager } from 'typeorm';
import { AuditModule } from '../../src/audit/audit.module';
import { ClientAccessService } from '../../src/clients/client-access.service';
import { ClientsModule } from '../../src/clients/clients.module';
import { LeaseService } from '../../src/database/lease.service';
import type { SqliteConnection } from '../../src/database/sqlite-connection';
import { sqliteOpsHost } from '../../src/database/sqlite-ops';
import { ClientAreaService } from '../../src/members/client-area/client-area.service';
import { Grant } from '../../src/members/access/entities/grant.entity';
import { GrantsService } from '../../src/members/access/grants.service';
import { MailModule } from '../../src/mail/mail.module';
import { SettingsModule } from '../../src/settings/settings.module';
import { MembersModule } from '../../src/members/members.module';
import { UsersModule } from '../../src/users/users.module';
import { createLesson, createProduct, FACTORY_ACTOR, grantAccess } from '../factories/members';
import { createUser } from '../factories/users';
import { startTestContext, TestContext } from '../utils/test-context';
import { usingMysql } from '../utils/test-db';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const Sqlite = require('better-sqlite3') as new (file: string, opts: { timeout: number }) => { prepare(sql: string): { run(...params: unknown[]): unknown }; close(): void };
const itSqlite = usingMysql() ? it.skip : it;
const itMysql = usingMysql() ? it : it.skip;
const AT = '2026-01-01 00:00:00.000';

/** A promise for `p`, or undefined after `ms`: lets a call that may have to wait its turn get that far. */
const settledWithin = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

/** Runs a unit of work that does `write`, then holds until `release()` and rolls back; `inside` resolves once it holds. */
function heldUnitOfWork(t: TestContext, write: (m: EntityManager) => Promise<unknown>) {
  let release!: () => void;
  let reached!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const inside = new Promise<void>((r) => (reached = r));
  const outcome = t.db
    .transaction(async (m) => {
      await write(m);
      reached();
      await held;
      throw new Error('roll back');
    })
    .catch((e: Error) => e.message);
  return { inside, release, outcome };
}

/*
 * The units-of-work rules of the database layer (the HTTP side is test/e2e/database.e2e-spec.ts): services with
 * their real repositories on a real, migrated database, in a Nest application context of only the modules
 * they need, without HTTP.
 */

/** The rules the HTTP tests check, one tier down: services with their real repositories on the real database, no HTTP. */
describe('database: units of work in services', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext([UsersModule, AuditModule, SettingsModule, MailModule, MembersModule, ClientsModule]);
  });
  afterAll(() => t.close());

  const labels = async () => (await t.db.manager.query('SELECT name FROM labels ORDER BY name')).map((r: { name: string }) => r.name);
  const addLabel = (m: EntityManager, name: string) => m.query('INSERT INTO labels (name, created_at) VALUES (?, ?)', [name, AT]);

  it('while a revoke is uncommitted, the client area still opens the lesson and lists the product; a grant made meanwhile survives the rollback', async () => {
    const area = t.app.get(ClientAreaService);
    const grants = t.app.get(GrantsService);
    const [product, other] = [await createProduct(t), await createProduct(t)];
    const lesson = await createLesson(t, product.id);
    const client = await createUser(t);
    const grant = await grantAccess(t, client.id, product.id);

    const a = heldUnitOfWork(t, (m) => grants.revoke(m, FACTORY_ACTOR, grant.id, 'racing'));
    await a.inside;
    const lessonSeen = await area.lesson(client.id, lesson.id).catch((e: Error) => e);
    const productsSeen = await area.myProducts(client.id);
    const granted = t.db.transaction((m) => grants.grant(m, FACTORY_ACTOR, { clientId: client.id, productId: other.id, source: 'manual', endsAt: null }));
    await settledWithin(granted, 100);
    a.release();

    expect(lessonSeen).toMatchObject({ lesson: { title: lesson.title } });
    expect(productsSeen.map((p) => p.slug)).toEqual([product.slug]);
    expect(await a.outcome).toBe('roll back');
    await granted;
    expect(await t.db.manager.findOneByOrFail(Grant, { id: grant.id })).toMatchObject({ revokedAt: null });
    expect((await area.myProducts(client.id)).map((p) => p.slug).sort()).toEqual([product.slug, other.slug].sort());
  });

  it("a stand-alone write (Database.write) made while another unit of work is open survives that one's rollback", async () => {
    const a = heldUnitOfWork(t, (m) => addLabel(m, 'doomed'));
    await a.inside;
    // e.g. a scheduler lease taken, a session touched, a relay's claim, while a form post is mid-transaction
    const lease = t.app.get(LeaseService);
    const acquired = lease.tryAcquire('probe-during-rollback', 1, 60_000);
    const written = t.db.write((m) => addLabel(m, 'standalone'));
    await settledWithin(Promise.all([acquired, written]), 100);
    a.release();
    expect(await a.outcome).toBe('roll back');
    expect(await acquired).toBe(true);
    await written;
    expect(await labels()).toContain('standalone');
    expect(await labels()).not.toContain('doomed');
    expect(await t.db.manager.query(`SELECT holder FROM job_leases WHERE name = 'probe-during-rollback'`)).toEqual([{ holder: lease.holder }]);
  });

  itSqlite('a write outside a unit of work is refused on SQLite: what `manager` reads on is read-only', async () => {
    const client = await createUser(t);
    const product = await createProduct(t);
    await expect(t.app.get(GrantsService).grant(t.db.manager, FACTORY_ACTOR, { clientId: client.id, productId: product.id, source: 'manual', endsAt: null })).rejects.toThrow(
      /readonly database/,
    );
    expect(await t.db.manager.countBy(Grant, { clientId: client.id })).toBe(0);
  });

  itSqlite("the writer's transactions take the write lock as they begin, so another process cannot commit between their read and their write", async () => {
    // Another process on the same file (a second instance, the CLI), here a connection of the test's own.
    const other = new Sqlite((t.config.database as { file: string }).file, { timeout: 0 });
    try {
      await t.db.transaction(async (m) => {
        await m.query('SELECT COUNT(*) AS n FROM labels');
        expect(() => other.prepare('INSERT INTO labels (name, created_at) VALUES (?, ?)').run('from-other', AT)).toThrow(/database is locked/);
        await addLabel(m, 'from-app');
      });
    } finally {
      other.close();
    }
    expect(await labels()).toEqual(expect.arrayContaining(['from-app']));
    expect(await labels()).not.toContain('from-other');
  });

  // Last here: without the refusal, the outer unit of work would hold the writer for good.
  itSqlite('a unit of work started from inside another is refused with an error that names the mistake, and the outer one goes on', async () => {
    const client = await createUser(t);
    const product = await createProduct(t);
    const started = Date.now();
    const outer = t.db.transaction(async (m) => {
      await addLabel(m, 'outer');
      // The mistake: a service method that runs a unit of work of its own, called from inside this one.
      const inner = await t.app
        .get(ClientAccessService)
        .grant(FACTORY_ACTOR, client.id, { productId: product.id, timeZone: 'UTC' })
        .catch((e: Error) => e.message);
      await addLabel(m, 'after-inner');
      return inner;
    });
    expect(await outer).toMatch(/called from inside another unit of work.*pass the EntityManager you were given/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await labels()).toEqual(expect.arrayContaining(['outer', 'after-inner']));
    expect(await t.db.manager.countBy(Grant, { clientId: client.id })).toBe(0);
  });
});

/** Operations for sqliteOpsHost (the campaign sender runs its claims and outcomes this way). */
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

/** Synchronous SQLite transactions (hot paths: the campaign sender) beside TypeORM's on the writer. */
describe('database: synchronous SQLite transactions', () => {
  let t: TestContext;
  beforeAll(async () => {
    t = await startTestContext([]);
  });
  afterAll(() => t.close());

  const labels = async () => (await t.db.manager.query('SELECT name FROM labels ORDER BY name')).map((r: { name: string }) => r.name);

  itMysql('are SQLite only', async () => {
    await expect(t.db.sqliteTransaction(() => 1)).rejects.toThrow('sqliteTransaction on MySQL');
  });

  itSqlite('take their turn after an open unit of work, never inside it, and roll back alone when the work throws', async () => {
    const a = heldUnitOfWork(t, (m) => m.query('INSERT INTO labels (name, created_at) VALUES (?, ?)', ['doomed', AT]));
    await a.inside;
    let ran = false;
    const inner = t.db.sqliteTransaction((conn) => {
      ran = true;
      conn.prepare('INSERT INTO labels (name, created_at) VALUES (?, ?)').run('sync', AT);
      return 'done';
    });
    const failing = t.db.sqliteTransaction((conn) => {
      conn.prepare('INSERT INTO labels (name, created_at) VALUES (?, ?)').run('half', AT);
      throw new Error('no');
    });
    await settledWithin(inner, 50);
    expect(ran).toBe(false);
    a.release();
    expect(await a.outcome).toBe('roll back');
    expect(await inner).toBe('done');
    await expect(failing).rejects.toThrow('no');
    expect(await labels()).toContain('sync');
    expect(await labels()).not.toContain('doomed');
    expect(await labels()).not.toContain('half');
  });

  itSqlite('sqliteOpsHost: each call commits on its own; a throw rolls back that call only, with its message and code', async () => {
    const ops = sqliteOpsHost(t.db, labelOps, AT);
    expect(await ops.run('add', 'ops-a', 'ops-b')).toBe(2);
    expect(await labels()).toEqual(expect.arrayContaining(['ops-a', 'ops-b']));
    await expect(ops.run('addThenFail', 'ops-half')).rejects.toMatchObject({ message: 'refused', code: 'E_TEST' });
    expect(await labels()).not.toContain('ops-half');
    expect(await ops.run('add', 'ops-c')).toBe(1);
    await ops.close();
  });
});
