import { DataSource, DataSourceOptions } from 'typeorm';
import { createDataSource, dataSourceOptions } from '../../src/database/data-source';
import { parseDatabaseUrl } from '../../src/config/config';
import { MIGRATIONS } from '../../migrations';
import { Bans1795477000000 } from '../../migrations/1795477000000-Bans';
import { emailKey } from '../../src/bans/email-key';
import { createTestDb } from '../utils/test-db';

describe('migration Bans', () => {
  it('fills users.email_key for every existing user, past the first batch, with the same keys as the code', async () => {
    const testDb = await createTestDb();
    const cfg = parseDatabaseUrl(testDb.url, testDb.dir);
    if (typeof cfg === 'string') throw new Error(cfg);
    const before = new DataSource({ ...dataSourceOptions(cfg), migrations: MIGRATIONS.slice(0, MIGRATIONS.indexOf(Bans1795477000000)) } as DataSourceOptions);
    const ds = createDataSource(cfg);
    try {
      await before.initialize();
      await before.runMigrations();
      const special = ['j.doe+x@googlemail.com', 'ivan.petrov+shop@ya.ru', 'anna+promo@me.com', 'bob+tag@hotmail.co.uk', 'j.doe@example.com'];
      const emails = [...special, ...Array.from({ length: 1200 }, (_, i) => `user.${i}+t@gmail.com`)];
      for (let i = 0; i < emails.length; i += 200) {
        const part = emails.slice(i, i + 200);
        await before.query(
          `INSERT INTO users (email, name, role, created_at, updated_at) VALUES ${part.map(() => "(?, '', 'client', '2026-01-01 00:00:00', '2026-01-01 00:00:00')").join(', ')}`,
          part,
        );
      }
      await before.destroy();
      await ds.initialize();
      // Bans first, then whatever later migrations there are (undone below, Bans last)
      const ran = await ds.runMigrations();
      expect(ran.map((m) => m.name)[0]).toBe('Bans1795477000000');
      const rows: { email: string; email_key: string | null }[] = await ds.query('SELECT email, email_key FROM users');
      expect(rows).toHaveLength(emails.length);
      for (const r of rows) expect(r.email_key).toBe(emailKey(r.email));
      const keys = Object.fromEntries(rows.filter((r) => special.includes(r.email)).map((r) => [r.email, r.email_key]));
      expect(keys).toEqual({
        'j.doe+x@googlemail.com': 'jdoe@gmail.com',
        'ivan.petrov+shop@ya.ru': 'ivan-petrov@yandex.ru',
        'anna+promo@me.com': 'anna@icloud.com',
        'bob+tag@hotmail.co.uk': 'bob@hotmail.co.uk',
        'j.doe@example.com': 'j.doe@example.com',
      });
      for (let i = 0; i < ran.length; i++) await ds.undoLastMigration();
      const qr = ds.createQueryRunner();
      try {
        expect(await qr.hasTable('bans')).toBe(false);
        expect((await qr.getTable('users'))!.columns.map((c) => c.name)).not.toContain('email_key');
      } finally {
        await qr.release();
      }
    } finally {
      if (before.isInitialized) await before.destroy();
      if (ds.isInitialized) await ds.destroy();
      await testDb.drop();
    }
  });
});
