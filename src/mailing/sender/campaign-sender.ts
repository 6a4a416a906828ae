import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database } from '../../database/database.service';
import { describeSmtpError, isPermanentFailure, MailTransport } from '../../mail/mail-transport';
import { OutboxRepository } from '../../mail/outbox.repository';
import { CampaignRenderer, CompiledCampaign } from '../campaigns/campaign-renderer';
import { CampaignsRepository } from '../campaigns/campaigns.repository';
import { CampaignStatus } from '../campaigns/entities/campaign.entity';
import { MailingList } from '../lists/entities/mailing-list.entity';
import { MailingTokens } from '../mailing-tokens';
import { ListsRepository } from '../lists/lists.repository';
import { CampaignMessageBuilder } from './campaign-message';
import { ClaimedRecipient, RecipientsRepository } from './recipients.repository';

/** The bulk transport: its own pool, so a campaign never queues transactional mail behind it. */
export const CAMPAIGN_TRANSPORT = Symbol('CAMPAIGN_TRANSPORT');

// Outcomes are written per 200 rows or every 100 ms: fewer writes, at the price of at most that many rows of
// unknown outcome if the process dies (and a one-click reply may wait that long for a mail in flight).
const FLUSH_EVERY = 200;
const FLUSH_AFTER_MS = 100;

/**
 * Sends campaigns, row by row, exactly once or flagged.
 *
 * A sender claims a batch of `pending` rows (→ `sending`, known by id from then on; SKIP LOCKED on MySQL/MariaDB so
 * several senders share a campaign without waiting on each other), re-checks suppression and the list status
 * at claim time, renders each mail, hands it to the pooled SMTP transport and records the outcome: `sent`, a
 * retry with backoff for a temporary failure, `bounced` for a 5xx, `failed` when retries run out.
 *
 * Crash semantics (kill -9 at any point): a row is `sending` from its claim until its outcome is written. If the
 * sender dies, such a row may or may not have reached the SMTP server, and nothing here can tell which. After
 * SENDER_STALE_SECONDS it becomes `unknown`: it is never resent on its own, so no recipient gets a campaign
 * twice; the campaign page lists these rows and the operator may resend them (same Message-ID, so a receiving
 * system can recognise a duplicate). Rows never claimed stay `pending` and are sent by the next sender: a
 * crash loses no one. At most one claim batch plus a few unflushed outcomes per dead sender become `unknown`.
 */
@Injectable()
export class CampaignSender implements OnApplicationShutdown {
  private readonly logger = new Logger('CampaignSender');
  private running = false;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CAMPAIGN_TRANSPORT) private readonly transport: MailTransport | null,
    private readonly recipients: RecipientsRepository,
    private readonly campaigns: CampaignsRepository,
    private readonly lists: ListsRepository,
    private readonly renderer: CampaignRenderer,
    private readonly tokens: MailingTokens,
    private readonly outbox: OutboxRepository,
    private readonly db: Database,
  ) {}

  /** Scheduler tick: every instance runs it; the claims keep them apart. */
  async tick(now: () => Date = () => new Date()): Promise<void> {
    if (this.running || this.stopping) return;
    this.running = true;
    try {
      for (const id of await this.campaigns.sendingIds()) await this.sendCampaign(id, now);
    } catch (e) {
      this.logger.error(`campaign sending failed: ${(e as Error).stack ?? e}`);
    } finally {
      this.running = false;
    }
  }

  /**
   * Sends every row of the campaign that is due now, then marks the campaign sent if nothing is left open.
   * Stops claiming as soon as the campaign leaves `sending` (paused, cancelled). Returns rows handled.
   */
  async sendCampaign(campaignId: number, now: () => Date = () => new Date()): Promise<number> {
    const campaign = await this.campaigns.findById(campaignId);
    if (!campaign || campaign.status !== 'sending') return 0;
    // Rows a dead sender left `sending` become `unknown` (per campaign: the claim index covers it).
    await this.recipients.flagStale(campaignId, new Date(now().getTime() - this.config.senderStaleSeconds * 1000));
    const builder = new CampaignMessageBuilder(this.config, this.tokens, campaignId);
    const { listIds } = await this.campaigns.audienceOf(campaignId);
    const lists = new Map((await this.lists.findByIds(listIds)).map((l) => [l.id, l] as const));
    const compiled = new Map<number, CompiledCampaign>();
    const compiledFor = (list: MailingList | null) => {
      const key = list?.id ?? 0;
      let c = compiled.get(key);
      if (!c) compiled.set(key, (c = this.renderer.compile(campaign, list)));
      return c;
    };

    const outcomes = new OutcomeBuffer(this.recipients, now);
    const window = Math.max(4, this.config.mailPoolSize * 4);
    // Claim the next batch while half of this one is still queued, so the SMTP pool never waits on the database.
    const source = new ClaimSource(Math.max(window, Math.floor(this.config.senderBatchSize / 2)), async () => {
      if (this.stopping || (await this.campaigns.statusOf(campaignId)) !== 'sending') return [];
      return this.recipients.claim(campaignId, this.config.senderBatchSize, now());
    });
    let handled = 0;
    const worker = async () => {
      for (let r = await source.next(); r; r = await source.next()) {
        handled++;
        if (!r.eligible) {
          outcomes.skip(r.id);
          continue;
        }
        const list = (r.listId && lists.get(r.listId)) || null;
        await this.deliver(builder.build(compiledFor(list), r, list), r, outcomes, now);
      }
    };
    try {
      await Promise.all(Array.from({ length: window }, worker));
    } finally {
      await outcomes.flush();
    }
    const open = await this.recipients.countOpen(campaignId);
    if (!open.pending && !open.sending) {
      await this.db.transaction((m) => this.campaigns.transition(m, campaignId, ['sending'], { status: 'sent', finishedAt: now() }));
    }
    return handled;
  }

  private async deliver(mail: ReturnType<CampaignMessageBuilder['build']>, r: ClaimedRecipient, outcomes: OutcomeBuffer, now: () => Date): Promise<void> {
    if (!this.transport) {
      // No SMTP configured: the mail is kept in the outbox viewer, as all mail is in that set-up.
      await this.outbox.insertKept({
        messageId: mail.messageId,
        idempotencyKey: `campaign-recipient:${r.id}`,
        mailClass: 'marketing',
        template: 'campaign',
        locale: r.locale ?? this.config.defaultLocale,
        from: mail.from,
        to: r.email,
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        headers: JSON.stringify(mail.headers),
      });
      outcomes.sent(r.id);
      return;
    }
    try {
      await this.transport.send(mail);
      outcomes.sent(r.id);
    } catch (e) {
      const error = describeSmtpError(e);
      if (isPermanentFailure(e)) await this.recipients.markFailed(r.id, 'bounced', error);
      else if (r.attempts + 1 >= this.config.mailMaxAttempts) await this.recipients.markFailed(r.id, 'failed', error);
      else {
        const delay = Math.min(this.config.mailRetryBaseMs * 2 ** r.attempts, 6 * 3600_000);
        await this.recipients.markRetry(r.id, error, new Date(now().getTime() + delay));
      }
    }
  }

  /**
   * For a dedicated sender process and tests: sends until the campaign has no open rows, waiting out retries
   * and the stale claims of dead senders. Returns the campaign's final status.
   */
  async runUntilDone(campaignId: number, opts: { pollMs?: number; timeoutMs?: number } = {}): Promise<CampaignStatus | null> {
    const deadline = Date.now() + (opts.timeoutMs ?? 3600_000);
    for (;;) {
      await this.sendCampaign(campaignId);
      const status = await this.campaigns.statusOf(campaignId);
      if (status !== 'sending' || Date.now() > deadline || this.stopping) return status;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    this.transport?.close();
  }
}

/**
 * Hands out claimed rows to the workers and claims the next batch before the current one runs dry, so the SMTP
 * pool never waits on the database.
 */
class ClaimSource {
  private buffer: ClaimedRecipient[] = [];
  private refill: Promise<void> | null = null;
  private exhausted = false;

  constructor(
    private readonly lowWater: number,
    private readonly claim: () => Promise<ClaimedRecipient[]>,
  ) {}

  async next(): Promise<ClaimedRecipient | null> {
    for (;;) {
      if (this.buffer.length <= this.lowWater && !this.exhausted && !this.refill) {
        this.refill = this.claim()
          .then((rows) => {
            if (!rows.length) this.exhausted = true;
            this.buffer.push(...rows);
          })
          .catch((e) => {
            this.exhausted = true;
            throw e;
          })
          .finally(() => (this.refill = null));
      }
      const row = this.buffer.shift();
      if (row) return row;
      if (this.exhausted) return null;
      await this.refill;
    }
  }
}

/** Outcomes of successful sends, written in batches: one UPDATE per flush instead of one per mail. */
class OutcomeBuffer {
  private sentIds: number[] = [];
  private skippedIds: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly recipients: RecipientsRepository,
    private readonly now: () => Date,
  ) {}

  sent(id: number): void {
    this.sentIds.push(id);
    this.schedule();
  }

  skip(id: number): void {
    this.skippedIds.push(id);
    this.schedule();
  }

  private schedule(): void {
    if (this.sentIds.length + this.skippedIds.length >= FLUSH_EVERY) void this.flush().catch(() => undefined);
    else if (!this.timer) this.timer = setTimeout(() => void this.flush().catch(() => undefined), FLUSH_AFTER_MS);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const sent = this.sentIds;
    const skipped = this.skippedIds;
    this.sentIds = [];
    this.skippedIds = [];
    this.writing = this.writing.then(async () => {
      try {
        if (sent.length) await this.recipients.markSent(sent, this.now());
        if (skipped.length) await this.recipients.markSkipped(skipped, 'unsubscribed or suppressed before sending');
      } catch (e) {
        // The rows stay `sending` and become `unknown` once stale: never sent twice, never silently lost.
        new Logger('CampaignSender').error(`could not record ${sent.length + skipped.length} outcomes: ${(e as Error).message}`);
      }
    });
    return this.writing;
  }
}
