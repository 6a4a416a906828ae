process.env.TZ ??= 'UTC';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { SetupService } from './auth/setup.service';
import { ConfigError, loadConfig } from './config/config';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const app = await createApp(config, { runJobs: true });
  const owner = await app.get(SetupService).ensureOwnerFromEnv();
  await app.listen(config.port, config.host);

  const log = new Logger('kabinet');
  const db = config.database.type === 'sqlite' ? `SQLite ${config.database.file}` : `MySQL ${config.database.host}/${config.database.database}`;
  log.log(`kabinet is running at ${config.appUrl} (listening on ${config.host}:${config.port}, ${db})`);
  if (owner === 'not-configured') {
    log.log(`First start: open ${config.appUrl}/setup to create the owner account (or set ADMIN_EMAIL and ADMIN_PASSWORD and restart).`);
  }
  if (!config.smtpUrl) log.log(`SMTP_URL is not set: mail is kept in the built-in outbox viewer at ${config.appUrl}/admin/outbox`);
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exit(1);
});
