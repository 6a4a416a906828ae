/**
 * A campaign sender in a process of its own, started by the crash test: `node -r test/utils/ts-register.js
 * test/utils/sender-process.ts <campaignId>` with the app's configuration in the environment. It sends until the
 * campaign is done and exits 0 — unless the test kills it first.
 */
import 'reflect-metadata';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { CampaignSender } from '../../src/mailing/sender/campaign-sender';

async function main() {
  const campaignId = Number(process.argv[2]);
  const app = await createApp(loadConfig(process.env), { runJobs: false });
  await app.init();
  process.send?.({ ready: true });
  const status = await app.get(CampaignSender).runUntilDone(campaignId, { pollMs: 100, timeoutMs: 10 * 60_000 });
  process.send?.({ done: status });
  await app.close();
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
