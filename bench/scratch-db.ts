import { createConnection } from 'mysql2/promise';

/**
 * A new, empty database on the MySQL/MariaDB server `serverUrl` names (its own path is ignored), for one
 * measurement; drop() removes it again and never throws.
 */
export async function scratchMysqlDatabase(serverUrl: string, prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const u = new URL(serverUrl.replace(/^mariadb:/, 'mysql:'));
  const name = `${prefix}_${process.pid}_${Math.random().toString(16).slice(2, 8)}`;
  const admin = () => createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) });
  const c = await admin();
  await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await c.end();
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const d = await admin().catch(() => null);
      if (!d) return;
      await d.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
      await d.end();
    },
  };
}
