import type { DataSource, Migration } from 'typeorm';

/** How long an instance waits for another one that is applying migrations before it gives up. */
const DEFAULT_WAIT_SECONDS = 600;

/**
 * Applies pending migrations, one instance at a time: every instance of kabinet runs this as it starts (and
 * `npm run migrate` does too), so several starting together must not apply the same migration twice. The first
 * takes a lock and applies them; the others wait for it, then find nothing pending. Returns what this call applied.
 *
 * - MySQL/MariaDB: a named lock (`GET_LOCK`) per database, held by a connection of its own. DDL commits
 *   implicitly there, so a migration run twice at once could leave half of it applied and unrecorded.
 * - SQLite: a write transaction on a lock file beside the database (`<file>-migrate-lock`), polled so a
 *   waiting instance does not block its event loop. The operating system drops the lock if its holder dies.
 */
export function migrate(ds: DataSource, opts: { waitSeconds?: number } = {}): Promise<Migration[]> {
  return withMigrationLock(ds, () => ds.runMigrations({ transaction: 'each' }), opts.waitSeconds);
}

/** Runs `work` (applying or undoing migrations) holding the lock `migrate` takes. */
export async function withMigrationLock<T>(ds: DataSource, work: () => Promise<T>, waitSeconds = DEFAULT_WAIT_SECONDS): Promise<T> {
  const release = await migrationLock(ds, waitSeconds);
  try {
    return await work();
  } finally {
    await release();
  }
}

async function migrationLock(ds: DataSource, waitSeconds: number): Promise<() => Promise<void>> {
  const busy = () => new Error(`another instance has been applying migrations for over ${waitSeconds} s; try again when it is done`);
  if (ds.options.type === 'mysql' || ds.options.type === 'mariadb') {
    const name = "LEFT(CONCAT('kabinet.migrate.', DATABASE()), 64)"; // lock names are server-wide, 64 characters at most
    const qr = ds.createQueryRunner();
    try {
      const [row] = await qr.query(`SELECT GET_LOCK(${name}, ?) AS got`, [waitSeconds]);
      if (Number(row.got) !== 1) throw busy();
    } catch (e) {
      await qr.release();
      throw e;
    }
    return async () => {
      try {
        await qr.query(`SELECT RELEASE_LOCK(${name})`);
      } finally {
        await qr.release();
      }
    };
  }
  const file = String(ds.options.database);
  if (file === ':memory:') return async () => undefined; // no other connection can see this database
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Sqlite = require('better-sqlite3') as new (file: string, opts: { timeout: number }) => LockDb;
  const lock = new Sqlite(`${file}-migrate-lock`, { timeout: 0 });
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      lock.exec('BEGIN IMMEDIATE');
      break;
    } catch (e) {
      if ((e as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) {
        lock.close();
        throw (e as { code?: string }).code === 'SQLITE_BUSY' ? busy() : e;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return async () => {
    lock.exec('ROLLBACK');
    lock.close();
  };
}

interface LockDb {
  exec(sql: string): void;
  close(): void;
}
