process.env.TZ ??= 'UTC';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ApiKeysModule } from './auth/api-keys/api-keys.module';
import { ApiKeysService } from './auth/api-keys/api-keys.service';
import { AppModule } from './app.module';
import { ConfigError, loadConfig } from './config/config';
import { createDataSource } from './database/data-source';
import { migrate, withMigrationLock } from './database/migrate';

const USAGE = `Usage: npm run cli -- <command>

  migrate                      apply pending migrations
  migrate:revert               undo the last applied migration
  migrate:status               list migrations and whether each is applied
  api-key:create --name NAME   create an admin API key and print it (shown only once)
`;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(args: string[]): Promise<number> {
  const config = loadConfig();
  switch (args[0]) {
    case 'migrate':
    case 'migrate:revert':
    case 'migrate:status': {
      const ds = createDataSource(config.database);
      await ds.initialize();
      try {
        if (args[0] === 'migrate') {
          const done = await migrate(ds);
          console.log(done.length ? done.map((m) => `applied ${m.name}`).join('\n') : 'database is up to date');
        } else if (args[0] === 'migrate:revert') {
          await withMigrationLock(ds, () => ds.undoLastMigration({ transaction: 'each' }));
          console.log('reverted the last migration');
        } else {
          const qr = ds.createQueryRunner();
          const hasTable = await qr.hasTable('migrations').finally(() => qr.release());
          const rows: { name: string }[] = hasTable ? await ds.query('SELECT name FROM migrations') : [];
          const applied = new Set(rows.map((r) => r.name));
          for (const m of ds.migrations) console.log(`${applied.has(m.name ?? '') ? '[x]' : '[ ]'} ${m.name}`);
        }
      } finally {
        await ds.destroy();
      }
      return 0;
    }
    case 'api-key:create': {
      const name = arg(args, 'name');
      if (!name) {
        console.error('api-key:create needs --name NAME');
        return 2;
      }
      const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, { runJobs: false, inbound: false }), { logger: ['error'] });
      try {
        const { key, apiKey } = await app.select(ApiKeysModule).get(ApiKeysService).create({ userId: null, label: 'cli', ip: '' }, name);
        console.log(`API key "${apiKey.name}" created (id ${apiKey.id}). It is shown only this once:\n\n${key}\n`);
      } finally {
        await app.close();
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return args[0] ? 2 : 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof ConfigError ? e.message : (e?.stack ?? e));
    process.exit(1);
  },
);
