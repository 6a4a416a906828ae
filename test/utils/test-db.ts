import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';

/**
 * A database of its own for every test file: a fresh SQLite file, or — when TEST_DATABASE_URL points at a
 * MySQL/MariaDB server — a freshly created database on that server, dropped afterwards.
 */
export interface TestDb {
  url: string;
  kind: 'sqlite' | 'mysql';
  dir: string;
  drop(): Promise<void>;
}

export function usingMysql(): boolean {
  return /^(mysql|mariadb):\/\//.test(process.env.TEST_DATABASE_URL ?? '');
}

export async function createTestDb(): Promise<TestDb> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-test-'));
  const server = process.env.TEST_DATABASE_URL;
  if (!server || !usingMysql()) {
    return {
      url: `sqlite:${path.join(dir, 'test.sqlite')}`,
      kind: 'sqlite',
      dir,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const u = new URL(server.replace(/^mariadb:/, 'mysql:'));
  const name = `kb_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = () =>
    createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  const conn = await admin();
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await conn.end();
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    kind: 'mysql',
    dir,
    drop: async () => {
      const c = await admin();
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
